package dev.apptap.proxy.engine;

import dev.apptap.proxy.flow.ProcessInfo;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * The first handler of every accepted connection: learns where the app meant to go (for the transparent
 * listener, from the kernel) and which process opened the connection (off the event loop, since it reads
 * {@code /proc}), then installs the handlers for the listener's kind. Nothing is read from the app until then.
 */
final class ConnectionOrigin extends ChannelInboundHandlerAdapter {

    static final String NAME = "origin";
    private static final System.Logger LOG = System.getLogger(ConnectionOrigin.class.getName());

    private final EngineRuntime runtime;
    private final ConnectionContext.Entry entry;

    ConnectionOrigin(EngineRuntime runtime, ConnectionContext.Entry entry) {
        this.runtime = runtime;
        this.entry = entry;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        InetSocketAddress app = (InetSocketAddress) channel.remoteAddress();
        InetSocketAddress listener = (InetSocketAddress) channel.localAddress();
        ConnectionContext connection = new ConnectionContext(runtime, entry, app);
        if (entry == ConnectionContext.Entry.TRANSPARENT) {
            try {
                connection.destination(originalDestination(channel, listener, app));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, e.getMessage());
                ctx.close();
                return;
            }
        }
        CompletableFuture.supplyAsync(() -> runtime.settings().processes().resolve(app, listener), runtime.blocking())
                .exceptionally(failure -> ProcessInfo.UNKNOWN)
                .thenAccept(process -> ctx.executor().execute(() -> {
                    connection.process = process;
                    if (channel.isActive()) {
                        proceed(ctx, connection);
                    }
                }));
        ctx.fireChannelActive();
    }

    private InetSocketAddress originalDestination(Channel channel, InetSocketAddress listener, InetSocketAddress app)
            throws IOException {
        if (!(channel instanceof EpollSocketChannel epoll)) {
            throw new IOException(Transport.epollUnavailableReason());
        }
        return runtime.settings().originalDestinations().originalDestination(epoll.fd().intValue(), listener, app);
    }

    private void proceed(ChannelHandlerContext ctx, ConnectionContext connection) {
        if (entry == ConnectionContext.Entry.EXPLICIT) {
            ctx.pipeline().addAfter(NAME, Pipelines.HTTP_CODEC, Pipelines.newServerCodec(runtime.settings()));
            ctx.pipeline().addAfter(Pipelines.HTTP_CODEC, ExplicitProxyHandler.NAME, new ExplicitProxyHandler(connection));
            ctx.pipeline().remove(this);
            ctx.read();
        } else {
            ctx.pipeline().replace(this, ProtocolSniffer.NAME, new ProtocolSniffer(connection, false));
        }
    }
}
