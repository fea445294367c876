package dev.apptap.proxy.engine;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A {@link Dialer} for relay tests on {@code EmbeddedChannel}: each upstream a relay dials is another EmbeddedChannel
 * with the relay's upstream handlers, so a test reads what went upstream and writes the server's answer.
 */
final class EmbeddedUpstreams implements Dialer {

    private final List<UpstreamTarget> dialed = new ArrayList<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @Override
    public Future<Channel> connect(EventLoop loop, UpstreamTarget target, Supplier<ChannelHandler[]> handlers) {
        dialed.add(target);
        EmbeddedChannel upstream = new EmbeddedChannel(handlers.get());
        channels.add(upstream);
        return loop.newSucceededFuture(upstream);
    }

    /** Where the relay dialed, in order. */
    List<UpstreamTarget> dialed() {
        return dialed;
    }

    /** The {@code n}th upstream dialed. */
    EmbeddedChannel get(int n) {
        return channels.get(n);
    }

    /** Everything written to {@code channel} (an app's or an upstream's) since the last call, as text. */
    static String written(EmbeddedChannel channel) {
        channel.runPendingTasks();
        StringBuilder text = new StringBuilder();
        for (Object out; (out = channel.readOutbound()) != null; ) {
            ByteBuf bytes = (ByteBuf) out;
            text.append(bytes.toString(StandardCharsets.ISO_8859_1));
            bytes.release();
        }
        return text.toString();
    }

    /** Closes every upstream and releases what is left in them. */
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }
}
