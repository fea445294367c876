package dev.apptap.proxy.engine;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.util.ArrayList;

/**
 * The app side of the frame-level h2 relay: behind Netty's frame codec (no multiplexer, so no channel per stream),
 * each stream the app opens gets an {@link Http2RelayedStream}, and its frames go to it by stream id. The server side
 * is one {@link Http2FrameUpstream} per app connection.
 *
 * <pre>
 * app ⇄ h2-flushes → h2-codec → h2-streams (this) ⇄ Http2RelayedStream per stream ⇄ Http2FrameUpstream ⇄ server
 * </pre>
 */
final class Http2FrameRelay extends ChannelInboundHandlerAdapter {

    private final ConnectionContext connection;
    private final Dialer dialer;
    private final IntObjectMap<Http2RelayedStream> streams = new IntObjectHashMap<>();
    private RuleStep rules;
    private Http2FrameUpstream upstream;
    private ChannelHandlerContext ctx;

    Http2FrameRelay(ConnectionContext connection) {
        this(connection, connection.runtime.connector());
    }

    /** @param dialer opens the server's connections and those of routed streams (handler tests pass their own) */
    Http2FrameRelay(ConnectionContext connection, Dialer dialer) {
        this.connection = connection;
        this.dialer = dialer;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.rules = new RuleStep(connection, RuleStep.RESETS_STREAM);
        this.upstream = new Http2FrameUpstream(connection, ctx.channel().eventLoop(), connection.takePreconnected(), dialer);
        ctx.channel().closeFuture().addListener(closed -> upstream.close());
    }

    /** The stream with this id while it is open, for tests. */
    Http2RelayedStream stream(int id) {
        return streams.get(id);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Http2StreamFrame frame) || frame.stream() == null) {
            ReferenceCountUtil.release(msg); // SETTINGS, PING and GOAWAY: the codec has answered them
            return;
        }
        int id = frame.stream().id();
        Http2RelayedStream stream = streams.get(id);
        if (stream == null) {
            if (msg instanceof Http2HeadersFrame && frame.stream().state() != Http2Stream.State.CLOSED) {
                stream = new Http2RelayedStream(connection, ctx, frame.stream(), upstream, dialer, rules);
                streams.put(id, stream);
            } else {
                if (msg instanceof Http2DataFrame data) {
                    ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(data.initialFlowControlledBytes()).stream(frame.stream()),
                            ctx.voidPromise());
                }
                ReferenceCountUtil.release(msg);
                return;
            }
        }
        if (msg instanceof Http2ResetFrame reset) {
            streams.remove(id);
            stream.appReset(reset.errorCode());
            return;
        }
        stream.fromApp(frame);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof Http2FrameStreamEvent change && change.type() == Http2FrameStreamEvent.Type.State
                && change.stream().state() == Http2Stream.State.CLOSED) {
            Http2RelayedStream stream = streams.remove(change.stream().id());
            if (stream != null) {
                stream.appClosed();
            }
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (Http2RelayedStream stream : new ArrayList<>(streams.values())) {
            stream.appClosed();
        }
        streams.clear();
        upstream.close();
        ctx.fireChannelInactive();
    }
}
