package dev.apptap.redirector.macos.pf;

import dev.apptap.flow.ProcessInfo;
import dev.apptap.proxy.redirect.ConnectionHandover;
import dev.apptap.proxy.redirect.InterceptScope;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * OSPROXY on a macOS CI runner: pf sends the user's TCP 80/443 to this redirector's loopback listeners; for each
 * connection libproc names the app and its original destination; the spec's apps go to the engine, the rest are relayed
 * untouched. The root watchdog removes the anchor and releases pf when this closes or the JVM dies.
 */
final class PfRedirector implements Redirector {

    private static final System.Logger LOG = System.getLogger(PfRedirector.class.getName());

    private final Pfctl.Watchdog watchdog;
    private final Channel ipv4;
    private final Channel ipv6;
    private final ExecutorService lookups;
    private volatile InterceptSpec spec = InterceptSpec.NOTHING;
    private volatile InterceptScope scope = InterceptScope.MACHINE;
    private final long uid;
    private boolean closed;

    private PfRedirector(Pfctl.Watchdog watchdog, Channel ipv4, Channel ipv6, ExecutorService lookups, long uid) {
        this.watchdog = watchdog;
        this.ipv4 = ipv4;
        this.ipv6 = ipv6;
        this.lookups = lookups;
        this.uid = uid;
    }

    static PfRedirector start(RedirectTarget target, ConnectionHandover handover, Pfctl pfctl, long uid,
                              LibProc libproc) throws IOException {
        EventLoopGroup group = handover.eventLoops();
        boolean epoll = group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class);
        Class<? extends ServerChannel> serverType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        Class<? extends Channel> clientType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        ExecutorService lookups = Executors.newCachedThreadPool(new DefaultThreadFactory("apptap-pf-lookup", true));
        PfRedirector[] self = new PfRedirector[1];
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(serverType)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        Channel app = ctx.channel();
                        ctx.pipeline().remove(this);
                        lookups.execute(() -> self[0].route(app, handover, libproc, clientType));
                    }
                });
        Channel v4 = bootstrap.bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        Channel v6 = bootstrap.bind(new InetSocketAddress("::1", 0)).syncUninterruptibly().channel();
        Path rules = Files.createTempFile("apptap-pf-", ".conf");
        try {
            Files.writeString(rules, PfAnchor.rules(uid, ((InetSocketAddress) v4.localAddress()).getPort(),
                    ((InetSocketAddress) v6.localAddress()).getPort()));
            String token = pfctl.enable();
            Pfctl.Watchdog watchdog = pfctl.watchdog(token);
            try {
                pfctl.load(rules);
            } catch (IOException e) {
                watchdog.tearDown();
                throw e;
            }
            self[0] = new PfRedirector(watchdog, v4, v6, lookups, uid);
            return self[0];
        } catch (IOException | RuntimeException e) {
            v4.close();
            v6.close();
            lookups.shutdownNow();
            throw e;
        } finally {
            Files.deleteIfExists(rules);
        }
    }

    private void route(Channel app, ConnectionHandover handover, LibProc libproc, Class<? extends Channel> clientType) {
        InetSocketAddress peer = (InetSocketAddress) app.remoteAddress();
        Optional<LibProc.Owner> owner = libproc.owner(uid, peer);
        if (owner.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "pf sent apptap a connection from " + peer + ", but no process of uid "
                    + uid + " owns that socket any more; apptap closed it.");
            app.close();
            return;
        }
        ProcessInfo process = owner.get().process();
        if (spec.matches(process)) {
            handover.adopt(app, owner.get().destination(), process);
        } else {
            app.eventLoop().execute(() -> RawRelay.start(app, owner.get().destination(), clientType));
        }
    }

    @Override
    public void intercept(InterceptSpec spec, InterceptScope scope) {
        this.spec = spec;
        this.scope = scope;
    }

    @Override
    public InterceptSpec spec() {
        return spec;
    }

    @Override
    public InterceptScope scope() {
        return scope;
    }

    @Override
    public String describe() {
        return "macos-pf: anchor " + PfAnchor.NAME + " redirects uid " + uid + "'s TCP 80/443 to " + ipv4.localAddress()
                + " and " + ipv6.localAddress();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            watchdog.tearDown();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
        } finally {
            ipv4.close();
            ipv6.close();
            lookups.shutdownNow();
        }
    }
}
