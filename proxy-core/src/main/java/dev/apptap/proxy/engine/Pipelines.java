package dev.apptap.proxy.engine;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * The named handlers each protocol gets once {@link ProtocolSniffer} has decided; one place that shows how
 * a connection's pipeline grows.
 *
 * <pre>
 * transparent: origin → sniffer → tls-hello → tls → tls-outcome → sniffer → head-deadline → http-relay (bytes)
 *                                                                          ↘ tcp-relay
 *              (rules that may answer, a bad head, CONNECT:)   head-deadline → http-codec → head-watch → http-relay (codec)
 *                                                           ↘ (ALPN h2) h2-flushes → h2-codec → h2-streams (frames by stream id)
 * explicit:    head-deadline → http-codec → head-watch → explicit-proxy → (CONNECT) sniffer → …as above
 * </pre>
 *
 * A sniffer that hears nothing for {@code serverFirstWait} opens the upstream connection early
 * ({@link ServerFirstProbe}) and keeps listening: whichever side acts first decides, and whichever relay follows
 * takes that connection over.
 *
 * <p>HTTP/1 goes through {@link Http1ByteRelay}, which forwards bytes and parses them on the side; it hands a
 * connection to Netty's codec and {@link Http1Relay} when apptap may have to answer a request itself.
 */
final class Pipelines {

    static final String HTTP_CODEC = "http-codec";
    static final String HTTP_RELAY = "http-relay";

    void install(ChannelHandlerContext ctx, ConnectionContext connection, ProtocolSniffer.Protocol protocol,
                 boolean insideTls) {
        ChannelPipeline pipeline = ctx.pipeline();
        String after = ctx.name();
        switch (protocol) {
            case TLS -> pipeline.addAfter(after, MitmClientHelloHandler.NAME, new MitmClientHelloHandler(connection));
            case HTTP1 -> {
                RequestHeadDeadline.install(pipeline, after, connection);
                pipeline.addAfter(RequestHeadDeadline.NAME, HTTP_RELAY, new Http1ByteRelay(connection));
            }
            case HTTP2_PRIOR_KNOWLEDGE -> pipeline.addAfter(after, Http2Relay.NAME, new Http2Relay(connection));
            case OTHER, UNDECIDED -> pipeline.addAfter(after, TcpRelay.NAME, new TcpRelay(connection));
        }
    }

    static HttpServerCodec newServerCodec(EngineSettings settings) {
        return new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(settings.maxInitialLineLength())
                .setMaxHeaderSize(settings.maxHeaderSize())
                .setMaxChunkSize(64 * 1024));
    }
}
