package dev.apptap.proxy.origin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for apptap's transparent listener: Netty epoll servers on 127.0.0.1 and [::1] sharing one port
 * (an nft redirect sends IPv4 to the first and IPv6 to the second), handing each accepted connection to the
 * test, which inspects it while the app still waits for its response.
 */
final class LoopbackListener implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final BlockingQueue<EpollSocketChannel> accepted = new LinkedBlockingQueue<>();
    private final Channel ipv4;
    private final Channel ipv6;

    LoopbackListener() throws InterruptedException {
        Channel[] bound = bindBoth();
        ipv4 = bound[0];
        ipv6 = bound[1];
    }

    private Channel[] bindBoth() throws InterruptedException {
        // Port 0 on 127.0.0.1, then the same port on [::1]; another process may own it there, so retry a few times.
        for (int attempt = 0; ; attempt++) {
            Channel v4 = bootstrap().bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int port = ((InetSocketAddress) v4.localAddress()).getPort();
            try {
                Channel v6 = bootstrap().bind(new InetSocketAddress("::1", port)).sync().channel();
                return new Channel[] {v4, v6};
            } catch (Exception taken) {
                v4.close().sync();
                if (attempt == 5) {
                    throw new IllegalStateException("The test could not bind 127.0.0.1 and [::1] to one port in "
                            + "six attempts.", taken);
                }
            }
        }
    }

    private ServerBootstrap bootstrap() {
        return new ServerBootstrap()
                .group(group)
                .channel(EpollServerSocketChannel.class)
                .childHandler(new HandOff());
    }

    int port() {
        return ((InetSocketAddress) ipv4.localAddress()).getPort();
    }

    /** The next accepted connection; fails the test when none arrives within ten seconds. */
    EpollSocketChannel take() throws InterruptedException {
        EpollSocketChannel channel = accepted.poll(10, TimeUnit.SECONDS);
        if (channel == null) {
            throw new AssertionError("No connection reached the listener on port " + port() + " within 10 seconds.");
        }
        return channel;
    }

    static int fd(EpollSocketChannel channel) {
        return channel.fd().intValue();
    }

    /** Lets the app finish: curl exits 0 on this answer. */
    static void answer(EpollSocketChannel channel) {
        byte[] response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                .getBytes(StandardCharsets.US_ASCII);
        channel.writeAndFlush(Unpooled.wrappedBuffer(response)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void close() {
        ipv4.close().syncUninterruptibly();
        ipv6.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @ChannelHandler.Sharable
    private final class HandOff extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            accepted.add((EpollSocketChannel) ctx.channel());
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object request) {
            ReferenceCountUtil.release(request); // the request's content does not matter to these tests
        }
    }
}
