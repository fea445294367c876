package dev.apptap.proxy.engine;

import dev.apptap.proxy.redirect.SourcePortRange;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Opens upstream connections on the app connection's own event loop (no cross-thread hand-offs on the
 * relay path), resolving names off the loop and finishing the TLS handshake before reporting success, so
 * that every failure surfaces in one place and can be described to the user.
 */
final class UpstreamConnector implements Dialer {

    static final String TLS = "upstream-tls";

    private final EngineRuntime runtime;

    UpstreamConnector(EngineRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public Future<Channel> connect(EventLoop loop, UpstreamTarget target, Supplier<ChannelHandler[]> handlers) {
        Promise<Channel> result = loop.newPromise();
        resolve(target).whenComplete((address, failure) -> loop.execute(() -> {
            if (failure != null) {
                result.tryFailure(failure);
            } else if (runtime.isOwnListener(address)) {
                result.tryFailure(new IllegalStateException("the destination " + Addresses.literal(address) + ":"
                        + address.getPort() + " is apptap's own listener, so relaying there would loop"));
            } else {
                open(loop, target, address, handlers, result, 0);
            }
        }));
        return result;
    }

    private void open(EventLoop loop, UpstreamTarget target, InetSocketAddress address,
                      Supplier<ChannelHandler[]> handlers, Promise<Channel> result, int attempt) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(runtime.transport().clientChannel)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) runtime.settings().connectTimeout().toMillis())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (target.tls()) {
                            ch.pipeline().addLast(TLS, runtime.upstreamTls().newHandler(ch.alloc(), target, runtime.blocking()));
                        }
                        ch.pipeline().addLast(handlers.get());
                    }
                });
        Optional<SourcePorts> sourcePorts = runtime.settings().upstreamSourcePorts();
        // A reused port may still be in TIME_WAIT towards another destination, which SO_REUSEADDR allows.
        sourcePorts.ifPresent(ports -> bootstrap.localAddress(ports.next()).option(ChannelOption.SO_REUSEADDR, true));
        ChannelFuture connecting = bootstrap.connect(address);
        connecting.addListener(done -> {
            if (!done.isSuccess() && sourcePorts.isPresent() && SourcePortRange.portTaken(done.cause())
                    && attempt + 1 < sourcePorts.get().attempts()) {
                open(loop, target, address, handlers, result, attempt + 1);
            } else if (!done.isSuccess()) {
                result.tryFailure(done.cause());
            } else if (!target.tls()) {
                result.trySuccess(connecting.channel());
            } else {
                awaitHandshake(connecting.channel(), result);
            }
        });
    }

    /**
     * Speaks TLS over an upstream connection that was opened plain (to learn whether the server speaks first) once
     * the app's late ClientHello shows it wants TLS, so that the server sees one connection, not two. Opens a new
     * connection instead when the plain one failed or the server hung up meanwhile.
     *
     * @param plain    the plain connection, done or not, whose pipeline holds a {@link HeldInbound}
     * @param handlers built only when a new connection is opened
     */
    Future<Channel> startTls(EventLoop loop, Future<Channel> plain, UpstreamTarget target,
                             Supplier<ChannelHandler[]> handlers) {
        Promise<Channel> result = loop.newPromise();
        plain.addListener((Future<Channel> connected) -> {
            if (!connected.isSuccess() || !connected.getNow().isActive()) {
                connect(loop, target, handlers).addListener((Future<Channel> fresh) -> {
                    if (fresh.isSuccess()) {
                        result.trySuccess(fresh.getNow());
                    } else {
                        result.tryFailure(fresh.cause());
                    }
                });
                return;
            }
            Channel channel = connected.getNow();
            channel.pipeline().addFirst(TLS, runtime.upstreamTls().newHandler(channel.alloc(), target, runtime.blocking()));
            awaitHandshake(channel, result);
        });
        return result;
    }

    private static void awaitHandshake(Channel channel, Promise<Channel> result) {
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        tls.handshakeFuture().addListener(handshake -> {
            if (handshake.isSuccess()) {
                result.trySuccess(channel);
            } else {
                channel.close();
                result.tryFailure(handshake.cause());
            }
        });
        // With AUTO_READ off somebody must ask for the server's handshake messages.
        channel.read();
    }

    private CompletableFuture<InetSocketAddress> resolve(UpstreamTarget target) {
        if (target.address() != null) {
            return CompletableFuture.completedFuture(target.address());
        }
        if (Addresses.isIpLiteral(target.host())) {
            return CompletableFuture.completedFuture(new InetSocketAddress(target.host(), target.port()));
        }
        // InetAddress lookups block; keep them off the event loop.
        return CompletableFuture.supplyAsync(() -> {
            try {
                InetAddress[] addresses = runtime.settings().hostResolver().resolve(target.host());
                if (addresses.length == 0) {
                    throw new UnknownHostException(target.host());
                }
                return new InetSocketAddress(addresses[0], target.port());
            } catch (UnknownHostException e) {
                throw new CompletionException(e);
            }
        }, runtime.blocking());
    }
}
