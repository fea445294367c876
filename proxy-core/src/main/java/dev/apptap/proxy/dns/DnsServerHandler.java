package dev.apptap.proxy.dns;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/** Hands decoded queries to the {@link QueryProcessor} with a {@link Reply} that knows the way back. */
final class DnsServerHandler extends ChannelInboundHandlerAdapter {

    private static final System.Logger LOG = System.getLogger(DnsResponder.class.getName());

    private final QueryProcessor processor;

    DnsServerHandler(QueryProcessor processor) {
        this.processor = processor;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramDnsQuery query) {
            processor.accept(query, new Reply.Udp(ctx.channel(), query.sender(), query.recipient()));
        } else if (msg instanceof DnsQuery query) {
            processor.accept(query, new Reply.Tcp(ctx.channel(), (InetSocketAddress) ctx.channel().remoteAddress(),
                    (InetSocketAddress) ctx.channel().localAddress()));
        } else if (msg instanceof Codecs.MalformedQuery malformed) {
            processor.acceptMalformed(malformed, new Reply.Udp(ctx.channel(), malformed.sender(), malformed.recipient()));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ctx.channel() instanceof DatagramChannel) {
            // One bad datagram (or an ICMP error for an answer the app no longer waits for) must not stop the
            // listener every app shares.
            LOG.log(System.Logger.Level.DEBUG, "apptap''s DNS responder ignored a bad datagram: {0}", cause.toString());
            return;
        }
        // A TCP query that failed to decode left no id to answer with; closing is the only signal TCP DNS has.
        if (!(cause instanceof DecoderException)) {
            LOG.log(System.Logger.Level.DEBUG, "apptap''s DNS responder closed a TCP connection: {0}", cause.toString());
        }
        ctx.close();
    }
}
