package dev.apptap.proxy.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Opens upstream connections for the HTTP relays: {@link UpstreamConnector} in the engine, a hand-made channel in
 * handler tests on {@code EmbeddedChannel}, so a test can see where a request was routed without a socket.
 */
@FunctionalInterface
interface Dialer {

    /**
     * @param loop     the app connection's event loop
     * @param target   where to connect
     * @param handlers builds the handlers that follow TLS in the upstream pipeline
     * @return the connected (and, for TLS, handshaken) channel, or the failure
     */
    Future<Channel> connect(EventLoop loop, UpstreamTarget target, Supplier<ChannelHandler[]> handlers);
}
