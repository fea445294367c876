package dev.apptap.proxy.engine;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * Turns an app connection that speaks HTTP/2 (ALPN {@code h2}, or the cleartext preface) into a frame relay:
 * Netty's frame codec takes the connection, and {@link Http2FrameRelay} relays each stream's frames by stream id to a
 * stream on the server's connection, with no channel per stream on either side. Flow control does the backpressure:
 * a stream's window is returned only as its data is written to the other side.
 */
final class Http2Relay extends ChannelInboundHandlerAdapter {

    static final String NAME = "h2-relay";
    static final String CODEC = "h2-codec";
    static final String STREAMS = "h2-streams";
    static final String FLUSHES = "h2-flushes";
    static final String ERRORS = "h2-errors";

    private static final System.Logger LOG = System.getLogger(Http2Relay.class.getName());

    private final ConnectionContext connection;
    private final Dialer dialer;

    Http2Relay(ConnectionContext connection) {
        this(connection, connection.runtime.connector());
    }

    /** @param dialer opens the relay's server connections and those of routed streams (handler tests pass their own) */
    Http2Relay(ConnectionContext connection, Dialer dialer) {
        this.connection = connection;
        this.dialer = dialer;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.pipeline().addAfter(NAME, FLUSHES, flushConsolidation());
        ctx.pipeline().addAfter(FLUSHES, CODEC, Http2FrameCodecBuilder.forServer()
                .initialSettings(settings(connection))
                .build());
        ctx.pipeline().addAfter(CODEC, STREAMS, new Http2FrameRelay(connection, dialer));
        ctx.pipeline().addAfter(STREAMS, ERRORS, new ProtocolErrors(connection));
        ctx.pipeline().remove(this);
        // The connection itself reads freely: frames for every stream arrive on it, and flow control per
        // stream, not the socket, is what slows a sender down.
        ctx.channel().config().setAutoRead(true);
    }

    /** Settings for either side; a server must not send ENABLE_PUSH, so only the client side adds it. */
    static Http2Settings settings(ConnectionContext connection) {
        return Http2Settings.defaultSettings()
                .initialWindowSize(1 << 20)
                .maxHeaderListSize(connection.runtime.settings().maxHeaderSize());
    }

    /**
     * The end of the connection's pipeline. The frame codec passes on each protocol error it has already answered
     * (GOAWAY and close for a connection error, RST_STREAM for a stream error); anything else ends the connection.
     */
    private static final class ProtocolErrors extends ChannelInboundHandlerAdapter {
        private final ConnectionContext connection;

        ProtocolErrors(ConnectionContext connection) {
            this.connection = connection;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof Http2Exception || cause instanceof Http2FrameStreamException) {
                LOG.log(System.Logger.Level.DEBUG, "{0} broke the HTTP/2 protocol ({1}); apptap answered as the protocol"
                        + " says.", connection.describe(), cause.getMessage());
                return;
            }
            ctx.close();
        }
    }

    /**
     * Every stream flushes its own frames; without this each frame of each stream would be its own TLS record and
     * its own write to the socket. Flushes made while the connection reads wait for the end of the read, and
     * those made while the other side's connection reads go out once, later in the same event-loop turn.
     */
    static FlushConsolidationHandler flushConsolidation() {
        return new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true);
    }
}
