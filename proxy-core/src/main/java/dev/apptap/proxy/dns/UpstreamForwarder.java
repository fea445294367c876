package dev.apptap.proxy.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Sends one query to the upstream resolver over UDP and hands back its answer's raw bytes. Each query gets its own
 * connected socket: the kernel then drops datagrams from anyone but the resolver, picks a fresh source port per
 * query, and reports an ICMP "port unreachable" as an error instead of leaving the query to time out.
 */
final class UpstreamForwarder {

    private final EventLoopGroup group;

    UpstreamForwarder(EventLoopGroup group) {
        this.group = group;
    }

    /**
     * Takes ownership of {@code query}. The future's buffer belongs to whoever takes it and must be released;
     * it fails with {@link SocketTimeoutException} after {@code timeout}.
     */
    Future<ByteBuf> forward(DatagramDnsQuery query, InetSocketAddress upstream, Duration timeout) {
        EventLoop loop = group.next();
        Promise<ByteBuf> answer = loop.newPromise();
        int id = query.id();
        new Bootstrap()
                .group(loop)
                .channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("query-encoder", new DatagramDnsQueryEncoder());
                        ch.pipeline().addLast("answer", new AnswerHandler(id, answer));
                    }
                })
                .connect(upstream)
                .addListener(connected -> {
                    if (!connected.isSuccess()) {
                        ReferenceCountUtil.release(query);
                        answer.tryFailure(connected.cause());
                        return;
                    }
                    Channel channel = ((ChannelFuture) connected).channel();
                    var timer = channel.eventLoop().schedule(() -> answer.tryFailure(new SocketTimeoutException(
                            "no answer within " + timeout.toMillis() + " ms")), timeout.toMillis(), TimeUnit.MILLISECONDS);
                    answer.addListener(done -> {
                        timer.cancel(false);
                        channel.close();
                    });
                    channel.writeAndFlush(query).addListener(written -> {
                        if (!written.isSuccess()) {
                            answer.tryFailure(written.cause());
                        }
                    });
                });
        return answer;
    }

    /** Accepts the first datagram that answers this query's id; ignores anything else. */
    private static final class AnswerHandler extends ChannelInboundHandlerAdapter {
        private final int id;
        private final Promise<ByteBuf> answer;

        AnswerHandler(int id, Promise<ByteBuf> answer) {
            this.id = id;
            this.answer = answer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof DatagramPacket packet) {
                    ByteBuf bytes = packet.content();
                    boolean matches = bytes.readableBytes() >= Codecs.HEADER_LENGTH
                            && bytes.getUnsignedShort(bytes.readerIndex()) == id
                            && (bytes.getByte(bytes.readerIndex() + 2) & 0x80) != 0;
                    if (matches) {
                        ByteBuf kept = bytes.retain();
                        if (!answer.trySuccess(kept)) {
                            kept.release();
                        }
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // PortUnreachableException: nothing listens on the resolver's port.
            answer.tryFailure(cause);
        }
    }
}
