package dev.apptap.proxy.redirect;

import dev.apptap.flow.ProcessInfo;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;

/**
 * The engine's door for connections a redirector accepted itself instead of sending them to a transparent listener:
 * macOS's Network Extension hands apptap each intercepted flow as its own Unix socket, with the destination and the
 * process already known. The redirector registers that channel with {@link #eventLoops()} and hands it over.
 *
 * <pre>{@code
 * Channel flow = ...;                      // accepted on handover.eventLoops(), not read from yet
 * handover.adopt(flow, new InetSocketAddress(InetAddress.getByName("93.184.216.34"), 443), process);
 * }</pre>
 */
public interface ConnectionHandover {

    /** The engine's event loops: an adopted channel must be registered with one of them. */
    EventLoopGroup eventLoops();

    /**
     * Gives the engine {@code channel} as if it had reached the transparent listener from {@code process} on its way
     * to {@code destination}. Bytes the channel holds unread are sniffed as the app's first bytes.
     */
    void adopt(Channel channel, InetSocketAddress destination, ProcessInfo process);
}
