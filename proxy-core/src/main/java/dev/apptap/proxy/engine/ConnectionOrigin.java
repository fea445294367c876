package dev.apptap.proxy.engine;

import dev.apptap.proxy.flow.ProcessInfo;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * The first handler of every accepted connection: learns where the app meant to go (for the transparent
 * listener, from the kernel) and which process opened the connection (off the event loop, since it reads
 * {@code /proc}), then installs the handlers for the listener's kind and stays in front of them. An app that
 * sends everything and hangs up at once must still get its flow, so bytes and the hang-up that arrive
 * meanwhile are held back and replayed to those handlers.
 */
final class ConnectionOrigin extends ChannelDuplexHandler {

    static final String NAME = "origin";
    private static final System.Logger LOG = System.getLogger(ConnectionOrigin.class.getName());

    private final EngineRuntime runtime;
    private final ConnectionContext.Entry entry;
    private final java.util.ArrayDeque<Object> heldBack = new java.util.ArrayDeque<>();
    private boolean proceeded;
    private boolean inputShutdown;

    ConnectionOrigin(EngineRuntime runtime, ConnectionContext.Entry entry) {
        this.runtime = runtime;
        this.entry = entry;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        InetSocketAddress app = (InetSocketAddress) channel.remoteAddress();
        InetSocketAddress listener = (InetSocketAddress) channel.localAddress();
        ConnectionContext.Entry kind = entry;
        InetSocketAddress original = null;
        if (entry == ConnectionContext.Entry.TRANSPARENT) {
            try {
                original = originalDestination(channel, listener, app);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, e.getMessage());
                ctx.close();
                return;
            }
            if (runtime.isOwnListener(original)) {
                // An intercepted app that uses apptap as its HTTP proxy (a LAUNCH test beside an OSPROXY one)
                // was redirected on its way to the explicit listener: serve it as the proxy it asked for.
                kind = ConnectionContext.Entry.EXPLICIT;
                original = null;
            }
        }
        ConnectionContext connection = new ConnectionContext(runtime, kind, app);
        if (original != null) {
            connection.destination(original);
        }
        CompletableFuture.supplyAsync(() -> {
                    return runtime.settings().processes().resolve(app, listener);
                }, runtime.blocking())
                .exceptionally(failure -> ProcessInfo.UNKNOWN)
                .thenAccept(process -> ctx.executor().execute(() -> {
                    connection.process = process;
                    proceed(ctx, connection);
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
        if (ctx.isRemoved()) {
            return;
        }
        proceeded = true;
        if (connection.entry == ConnectionContext.Entry.EXPLICIT) {
            RequestHeadDeadline.installWithCodec(ctx.pipeline(), NAME, connection);
            ctx.pipeline().addAfter(RequestHeadDeadline.WATCH, ExplicitProxyHandler.NAME, new ExplicitProxyHandler(connection));
        } else {
            ctx.pipeline().addAfter(NAME, ProtocolSniffer.NAME, new ProtocolSniffer(connection, false));
        }
        while (!heldBack.isEmpty()) {
            ctx.fireChannelRead(heldBack.poll());
        }
        ctx.fireChannelReadComplete();
        if (inputShutdown) {
            ctx.close();
        } else {
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (proceeded) {
            ctx.fireChannelRead(msg);
        } else {
            heldBack.add(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (proceeded) {
            ctx.fireChannelReadComplete();
        }
    }

    /**
     * Listeners allow half-closure only so that an app's last bytes and its hang-up survive until the
     * handlers are in place; from then on a hang-up ends the connection as it would without the option.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            if (proceeded) {
                ctx.close();
            } else {
                inputShutdown = true;
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    /** Once the app has hung up there is nothing left to read, and asking the kernel would fail. */
    @Override
    public void read(ChannelHandlerContext ctx) {
        if (!inputShutdown) {
            ctx.read();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        while (!heldBack.isEmpty()) {
            io.netty.util.ReferenceCountUtil.release(heldBack.poll());
        }
    }
}
