package dev.apptap.redirector.macos.ne;

import dev.apptap.proxy.redirect.ConnectionHandover;
import dev.apptap.proxy.redirect.InterceptScope;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * OSPROXY through mitmproxy's Network Extension: apptap listens on a Unix socket under {@code /tmp}, launches the
 * redirector app with its path, and the extension dials back, first with the control channel (apptap writes the
 * intercept spec there), then once per intercepted flow. A {@link SpecWatchdog} child resets the spec if this JVM dies
 * without closing, because the extension keeps the last spec when its control channel just closes.
 */
final class NeRedirector implements Redirector {

    private static final System.Logger LOG = System.getLogger(NeRedirector.class.getName());
    private static final Duration WRITE_WAIT = Duration.ofSeconds(5);
    /** How long the extension gets to apply the never-matching spec before the channel closes (it reads it async). */
    private static final long SETTLE_MILLIS = 250;

    private final RedirectTarget target;
    private final Path socket;
    private final Channel server;
    private final Channel control;
    private final ExecutorService blocking;
    private final SpecWatchdog.Handle watchdog;
    private InterceptSpec spec = InterceptSpec.NOTHING;
    private InterceptScope scope = InterceptScope.MACHINE;
    private boolean closed;

    private NeRedirector(RedirectTarget target, Path socket, Channel server, Channel control, ExecutorService blocking,
                         SpecWatchdog.Handle watchdog) {
        this.target = target;
        this.socket = socket;
        this.server = server;
        this.control = control;
        this.blocking = blocking;
        this.watchdog = watchdog;
    }

    /**
     * Listens, launches {@code app} with the socket's path and waits up to {@code controlWait} for the extension's
     * control channel, then sends a spec that intercepts nothing.
     */
    static NeRedirector start(RedirectTarget target, ConnectionHandover handover, RedirectorApp app,
                              Duration controlWait) throws IOException {
        RedirectorApp.removeStaleSockets(Path.of("/tmp"), "apptap-ne");
        Path socket = RedirectorApp.newSocketPath("apptap-ne");
        ExecutorService blocking = Executors.newCachedThreadPool(new DefaultThreadFactory("apptap-ne-dns", true));
        CompletableFuture<Channel> controlArrived = new CompletableFuture<>();
        AtomicBoolean controlTaken = new AtomicBoolean();
        UdpFlow.Relays relays = new UdpFlow.Relays(target.dns(), blocking);
        EventLoopGroup group = handover.eventLoops();
        Channel server;
        try {
            server = new ServerBootstrap()
                    .group(group)
                    .channel(serverChannel(group))
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel channel) {
                            if (controlTaken.compareAndSet(false, true)) {
                                channel.pipeline().addLast(ControlChannel.NAME, new ControlChannel());
                                controlArrived.complete(channel);
                            } else {
                                channel.pipeline().addLast(FlowHandshake.NAME, new FlowHandshake(handover, relays));
                            }
                        }
                    })
                    .bind(bindAddress(group, socket)).sync().channel();
        } catch (Exception e) {
            blocking.shutdownNow();
            throw new IOException("apptap could not listen on the Unix socket " + socket + " for the macOS redirector"
                    + " extension: " + e.getMessage() + ".", e);
        }
        Channel control;
        SpecWatchdog.Handle watchdog = null;
        try {
            control = app.launchAndAwait(socket, controlArrived, controlWait);
            watchdog = SpecWatchdog.start(app.executable(), NeSpec.never(target.excludedPids()));
            NeRedirector redirector = new NeRedirector(target, socket, server, control, blocking, watchdog);
            redirector.send(NeSpec.never(target.excludedPids()));
            return redirector;
        } catch (IOException | RuntimeException e) {
            if (watchdog != null) {
                watchdog.disarm();
            }
            server.close().awaitUninterruptibly();
            controlArrived.thenAccept(Channel::close);
            blocking.shutdownNow();
            Files.deleteIfExists(socket);
            throw e;
        }
    }

    private static Class<? extends ServerChannel> serverChannel(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class)
                ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class;
    }

    private static SocketAddress bindAddress(EventLoopGroup group, Path socket) {
        return group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class)
                ? new DomainSocketAddress(socket.toString()) : UnixDomainSocketAddress.of(socket);
    }

    @Override
    public synchronized void intercept(InterceptSpec spec, InterceptScope scope) {
        if (closed) {
            throw new IllegalStateException("The macos-ne redirector was already closed, so it cannot intercept '"
                    + spec + "'.");
        }
        try {
            send(NeSpec.actions(spec, target.excludedPids()));
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        this.spec = spec;
        this.scope = scope;
    }

    private void send(List<String> actions) throws IOException {
        if (!control.isActive()) {
            throw new IOException("The macOS redirector extension closed its control channel, so apptap cannot change"
                    + " what it intercepts; the extension stopped or was disabled in System Settings → General → Login"
                    + " Items & Extensions → Network Extensions.");
        }
        try {
            control.writeAndFlush(Unpooled.wrappedBuffer(NeWire.interceptConf(actions)))
                    .get(WRITE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("apptap could not send the intercept spec " + actions + " to the macOS redirector"
                    + " extension within " + WRITE_WAIT.toSeconds() + " s: " + e.getMessage() + ".", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("apptap was interrupted while sending the intercept spec " + actions + ".", e);
        }
    }

    @Override
    public synchronized InterceptSpec spec() {
        return spec;
    }

    @Override
    public synchronized InterceptScope scope() {
        return scope;
    }

    @Override
    public String describe() {
        return "macos-ne: mitmproxy's Network Extension, dialing back to " + socket;
    }

    /** Sends the spec that intercepts nothing, lets the extension apply it, then closes and disarms the watchdog. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (control.isActive()) {
                send(NeSpec.never(target.excludedPids()));
                Thread.sleep(SETTLE_MILLIS);
            }
            watchdog.disarm();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage() + " The watchdog resets the spec instead.");
            watchdog.fire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            watchdog.fire();
        } finally {
            control.close().awaitUninterruptibly();
            server.close().awaitUninterruptibly();
            blocking.shutdownNow();
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "apptap could not delete its socket " + socket + ": " + e.getMessage());
            }
        }
    }

    /** The control channel: apptap writes; anything the extension sends back (it sends nothing) means it stopped. */
    private static final class ControlChannel extends ChannelInboundHandlerAdapter {
        static final String NAME = "ne-control";

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            LOG.log(System.Logger.Level.WARNING, "The macOS redirector extension sent data on its control channel,"
                    + " which its protocol never does; apptap ignores it.");
            ctx.read();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            LOG.log(System.Logger.Level.DEBUG, "The macOS redirector extension closed its control channel.");
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(System.Logger.Level.WARNING, "The control channel to the macOS redirector extension failed: "
                    + cause.getMessage());
            ctx.close();
        }
    }

}
