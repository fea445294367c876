package dev.apptap.proxy.testing;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;

/** Records each request head when it is decoded, before it may wait its turn behind earlier pipelined ones. */
final class RequestRecorder extends ChannelInboundHandlerAdapter {

    private final int connection;
    private final Consumer<RecordedRequest> sink;

    RequestRecorder(int connection, Consumer<RecordedRequest> sink) {
        this.connection = connection;
        this.sink = sink;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            request.headers().forEach(header -> headers.add(Map.entry(header.getKey(), header.getValue())));
            sink.accept(new RecordedRequest(connection, request.method().name(), request.uri(), request.protocolVersion().text(),
                    headers, request.headers().get(HttpHeaderNames.HOST), serverName(ctx)));
        }
        ctx.fireChannelRead(msg);
    }

    private static String serverName(ChannelHandlerContext ctx) {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls == null) {
            return null;
        }
        SSLSession session = tls.engine().getSession();
        if (session instanceof ExtendedSSLSession extended) {
            for (SNIServerName name : extended.getRequestedServerNames()) {
                if (name instanceof SNIHostName host) {
                    return host.getAsciiName();
                }
            }
        }
        return null;
    }
}
