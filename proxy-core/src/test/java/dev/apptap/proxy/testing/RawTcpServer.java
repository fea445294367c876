package dev.apptap.proxy.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A line protocol that is not HTTP, for relay tests: the server speaks first with {@value #BANNER}, then
 * answers each line with the line upper-cased (CRLF-terminated). Server-speaks-first matters: a proxy that waits
 * for the client's first bytes to sniff the protocol would deadlock against it.
 */
public final class RawTcpServer implements AutoCloseable {

    public static final String BANNER = "HELLO\r\n";
    private static final int MAX_LINE = 64 * 1024;

    private final Channel serverChannel;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final AtomicInteger connectionCount = new AtomicInteger();

    private RawTcpServer(InetAddress address, SslContext sslContext) {
        serverChannel = new ServerBootstrap()
                .group(TestEventLoops.GROUP)
                .channel(TestEventLoops.SERVER_CHANNEL)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        connectionCount.incrementAndGet();
                        connections.add(channel);
                        if (sslContext != null) {
                            channel.pipeline().addLast("tls", sslContext.newHandler(channel.alloc()));
                        }
                        channel.pipeline().addLast("lines", new LineBasedFrameDecoder(MAX_LINE));
                        channel.pipeline().addLast("shout", new Shout());
                    }
                })
                .bind(address, 0)
                .syncUninterruptibly()
                .channel();
    }

    /** A plain server on 127.0.0.1. */
    public static RawTcpServer start() {
        return new RawTcpServer(InetAddress.getLoopbackAddress(), null);
    }

    /** A TLS server on 127.0.0.1 with {@link TestPki}'s default server certificate. */
    public static RawTcpServer startTls() {
        return start(InetAddress.getLoopbackAddress(), TestPki.get().serverCertificate().serverContext());
    }

    /** A server on {@code address} (loopback only), TLS when {@code serverContext} is not null. */
    public static RawTcpServer start(InetAddress address, SslContext serverContext) {
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException("Test servers bind to loopback only, but " + address + " is not a loopback address.");
        }
        return new RawTcpServer(address, serverContext);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    /** Every line received so far (without its line ending), across all connections. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    public int connectionCount() {
        return connectionCount.get();
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
    }

    private final class Shout extends SimpleChannelInboundHandler<ByteBuf> {

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // Through an SslHandler this write waits for the handshake, so the banner is the first record either way.
            ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(BANNER.getBytes(StandardCharsets.US_ASCII)));
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            String line = frame.toString(StandardCharsets.UTF_8);
            lines.add(line);
            ctx.writeAndFlush(ctx.alloc().buffer().writeBytes((line.toUpperCase(Locale.ROOT) + "\r\n").getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
