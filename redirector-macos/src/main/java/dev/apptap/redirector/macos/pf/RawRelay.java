package dev.apptap.redirector.macos.pf;

import dev.apptap.proxy.redirect.SourcePortRange;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Relays a connection of a process the spec does not name to where it was going, untouched: pf redirects every TCP
 * 80/443 connection of the user (the runner agent's too), and only the spec's apps are apptap's business. The
 * upstream socket leaves from apptap's reserved ports, which the anchor lets out before its {@code route-to} rules.
 */
final class RawRelay {

    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final int ATTEMPTS = 20;

    private RawRelay() {
    }

    static void start(Channel app, InetSocketAddress destination, Class<? extends Channel> channelType) {
        connect(app, destination, channelType, 0);
    }

    private static void connect(Channel app, InetSocketAddress destination, Class<? extends Channel> channelType,
                                int attempt) {
        int port = PfAnchor.RESERVED.first() + Math.floorMod(NEXT.getAndIncrement(), PfAnchor.RESERVED.size());
        new Bootstrap().group(app.eventLoop()).channel(channelType)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new Pipe(app))
                .localAddress(new InetSocketAddress(port))
                .connect(destination)
                .addListener((ChannelFutureListener) connected -> {
                    if (connected.isSuccess()) {
                        app.pipeline().addLast(new Pipe(connected.channel()));
                        app.read();
                        connected.channel().read();
                    } else if (SourcePortRange.portTaken(connected.cause()) && attempt < ATTEMPTS) {
                        connect(app, destination, channelType, attempt + 1);
                    } else {
                        app.close();
                    }
                });
    }

    /** Writes what one side reads to the other, reading on only once the write went out (backpressure). */
    private static final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel other;

        Pipe(Channel other) {
            this.other = other;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            other.writeAndFlush(msg).addListener((ChannelFutureListener) written -> {
                if (written.isSuccess()) {
                    ctx.channel().read();
                } else {
                    written.channel().close();
                    ctx.close();
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (other.isActive()) {
                other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
