package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.Locale;

/**
 * The explicit proxy (LAUNCH mode): a {@code CONNECT host:port} becomes a tunnel whose bytes are sniffed
 * like a transparent connection to that host; any other request is an absolute-form request relayed by an
 * {@link Http1Relay}.
 */
final class ExplicitProxyHandler extends ChannelInboundHandlerAdapter {

    static final String NAME = "explicit-proxy";

    private final ConnectionContext connection;
    private boolean tunnelRequested;

    ExplicitProxyHandler(ConnectionContext connection) {
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (tunnelRequested) {
            // the CONNECT's (empty) end; the tunnel starts once it has passed
            boolean last = msg instanceof LastHttpContent;
            ReferenceCountUtil.release(msg);
            if (last) {
                openTunnel(ctx);
            }
            return;
        }
        if (msg instanceof HttpRequest request && HttpMethod.CONNECT.equals(request.method())
                && request.decoderResult().isSuccess()) {
            if (!parseAuthority(request.uri())) {
                ReferenceCountUtil.release(msg);
                connection.runtime.connectionFlows().failed(connection, new FlowError(FlowError.Kind.MALFORMED_REQUEST,
                        connection.process.describe() + " asked apptap's proxy to CONNECT to '" + request.uri()
                                + "', which is not a host:port; apptap closed the connection."));
                ctx.writeAndFlush(ErrorResponses.plain(ctx.alloc(), HttpResponseStatus.BAD_REQUEST,
                        "CONNECT needs a host:port target, but got '" + request.uri() + "'."))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            tunnelRequested = true;
            boolean alsoLast = msg instanceof LastHttpContent;
            ReferenceCountUtil.release(msg);
            if (alsoLast) {
                openTunnel(ctx);
            }
            return;
        }
        Http1Relay relay = new Http1Relay(connection, true);
        ctx.pipeline().addAfter(NAME, Pipelines.HTTP_RELAY, relay);
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }

    private void openTunnel(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                new HttpResponseStatus(200, "Connection Established")));
        ctx.pipeline().addAfter(NAME, ProtocolSniffer.NAME, new ProtocolSniffer(connection, false));
        ctx.pipeline().remove(this);
        // Removing the codec hands any bytes the app sent after its CONNECT to the sniffer.
        RequestHeadDeadline.removeWithCodec(ctx.pipeline());
    }

    private boolean parseAuthority(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon <= 0 || colon == authority.length() - 1) {
            return false;
        }
        String host = authority.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(authority.substring(colon + 1));
            if (port < 1 || port > 65535 || host.isEmpty()) {
                return false;
            }
            connection.host = host.toLowerCase(Locale.ROOT);
            connection.port = port;
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
