package dev.apptap.proxy.engine;

import dev.apptap.flow.ProcessInfo;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The first handler of every accepted connection: learns where the app meant to go (for the transparent
 * listener, from the kernel) and which process opened the connection (off the event loop, since it reads
 * {@code /proc}), then installs the handlers for the listener's kind and stays in front of them. An app that
 * sends everything and hangs up at once must still get its flow, so bytes and the hang-up that arrive
 * meanwhile are held back and replayed to those handlers.
 *
 * <p>When the redirector recorded the connecting process (apptap's eBPF redirector does, at {@code connect()}), its
 * pid is taken as is and only described from {@code /proc}; a process that exited meanwhile keeps that pid and the
 * kernel's short name. Otherwise the socket's owner is looked up, which finds only processes still running.
 */
final class ConnectionOrigin extends ChannelDuplexHandler {

    static final String NAME = "origin";
    private static final System.Logger LOG = System.getLogger(ConnectionOrigin.class.getName());

    private final EngineRuntime runtime;
    private final ConnectionContext.Entry entry;
    private final ArrayDeque<Object> heldBack = new ArrayDeque<>();
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
        Optional<ProcessInfo> connector = Optional.empty();
        if (entry == ConnectionContext.Entry.TRANSPARENT) {
            try {
                original = originalDestination(channel, listener, app);
                // Read now, on the event loop: the fd is only this socket's while the channel is open.
                connector = runtime.settings().originalDestinations().connectingProcess(fd(channel));
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
        Optional<ProcessInfo> recorded = connector;
        CompletableFuture.supplyAsync(() -> recorded
                        .map(kernel -> described(kernel, runtime.settings().processes().describe(kernel.pid())))
                        .orElseGet(() -> runtime.settings().processes().resolve(app, listener)), runtime.blocking())
                .exceptionally(failure -> ProcessInfo.UNKNOWN)
                .thenAccept(process -> ctx.executor().execute(() -> {
                    connection.process = process;
                    proceed(ctx, connection);
                }));
        ctx.fireChannelActive();
    }

    /** The live description of the recorded process, or the record itself once the process is gone. */
    private static ProcessInfo described(ProcessInfo recorded, ProcessInfo live) {
        return live.isKnown() && live.pid() == recorded.pid() ? live : recorded;
    }

    private InetSocketAddress originalDestination(Channel channel, InetSocketAddress listener, InetSocketAddress app)
            throws IOException {
        return runtime.settings().originalDestinations().originalDestination(fd(channel), listener, app);
    }

    private static int fd(Channel channel) throws IOException {
        if (!(channel instanceof EpollSocketChannel epoll)) {
            throw new IOException(Transport.epollUnavailableReason());
        }
        return epoll.fd().intValue();
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
            ReferenceCountUtil.release(heldBack.poll());
        }
    }
}
