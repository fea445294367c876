package dev.apptap.proxy.engine;

import dev.apptap.proxy.rules.Fault;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;

/**
 * Applies a rule's {@link Fault} to one h2 stream's response frames, first in the stream channel's pipeline, so the
 * other streams of the connection go on: a cut is a RST_STREAM, a delay or a hang holds this stream only. A
 * connection reset takes the whole connection down, as a crashing server would. Throttling and garbage have no
 * per-stream form in h2: they reset the stream, and the flow says so.
 *
 * <pre>{@code
 * Http2StreamFaults.arm(ctx, outcome.fault());   // in the stream relay, once the rule step decided
 * }</pre>
 */
final class Http2StreamFaults extends FaultHandler {

    static final String NAME = "h2-stream-faults";

    private final Fault fault;
    private long bodyBytes;
    private boolean headersSent;
    private boolean delayOver;

    private Http2StreamFaults(Fault fault) {
        this.fault = fault;
    }

    /** Puts the fault on this stream's response and records what apptap does; nothing when {@code injected} is null. */
    static void arm(ChannelHandlerContext stream, InjectedFault injected) {
        if (injected == null) {
            return;
        }
        stream.pipeline().addFirst(NAME, new Http2StreamFaults(injected.fault));
        injected.record(sentence(injected));
    }

    static String sentence(InjectedFault injected) {
        Fault fault = injected.fault;
        String stream = "the HTTP/2 stream of " + injected.request();
        return switch (fault.kind()) {
            case CONNECTION_RESET -> "reset the connection (TCP RST) of " + injected.app() + ", with every stream on"
                    + " it, instead of answering " + injected.request();
            case CLOSE_BEFORE_BODY -> "reset " + stream + " after the response's headers, before its body";
            case CLOSE_AFTER_BODY_BYTES -> "reset " + stream + " after " + fault.amount() + " bytes of the response body";
            case DELAY -> "held the response to " + injected.request() + " back for " + fault.amount() + " ms";
            case HANG -> "sent nothing in answer to " + injected.request() + " and kept its HTTP/2 stream open until "
                    + injected.app() + " gave up";
            case THROTTLE -> "reset " + stream + " instead of throttling it (apptap throttles HTTP/1 responses only)";
            case MALFORMED_RESPONSE -> "reset " + stream + " instead of sending bytes that are not HTTP (in h2 they"
                    + " would break every stream of the connection)";
            case TLS_HANDSHAKE_FAILURE -> "reset " + stream + ", since the app's TLS handshake was over before the"
                    + " rule applied";
        };
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (droppedAfterCut(msg, promise)) {
            return;
        }
        switch (fault.kind()) {
            case CONNECTION_RESET -> {
                ReferenceCountUtil.release(msg);
                cut = true;
                FaultInjector.reset(ctx.channel().parent());
                promise.tryFailure(new ClosedChannelException());
            }
            case CLOSE_BEFORE_BODY, CLOSE_AFTER_BODY_BYTES -> cutAfter(ctx, msg, promise,
                    fault.kind() == Fault.Kind.CLOSE_BEFORE_BODY ? 0 : fault.amount());
            case DELAY -> {
                if (delayOver) {
                    ctx.write(msg, promise);
                } else {
                    held.delay(ctx, msg, promise, fault.amount(), () -> delayOver = true);
                }
            }
            case HANG -> held.swallow(msg, promise);
            default -> {
                ReferenceCountUtil.release(msg);
                promise.tryFailure(new ClosedChannelException());
                reset(ctx);
            }
        }
    }

    /** HEADERS go out, then DATA up to {@code allowed} bytes, then RST_STREAM (a shorter body goes out whole). */
    private void cutAfter(ChannelHandlerContext ctx, Object msg, ChannelPromise promise, long allowed) {
        if (msg instanceof Http2HeadersFrame && !headersSent) {
            headersSent = true;
            ctx.write(msg, promise);
            return;
        }
        if (msg instanceof Http2DataFrame data) {
            int size = data.content().readableBytes();
            if (bodyBytes + size <= allowed) {
                bodyBytes += size;
                ctx.write(msg, promise);
                return;
            }
            int take = (int) (allowed - bodyBytes);
            if (take > 0) {
                ctx.write(new DefaultHttp2DataFrame(data.content().retainedSlice(data.content().readerIndex(), take),
                        false));
            }
            bodyBytes = allowed;
        }
        // the rest of the body, or trailers after a body cut short
        ReferenceCountUtil.release(msg);
        promise.tryFailure(new ClosedChannelException());
        reset(ctx);
    }

    private void reset(ChannelHandlerContext ctx) {
        cut = true;
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (fault.kind() == Fault.Kind.HANG || fault.kind() == Fault.Kind.DELAY && !delayOver) {
            return;
        }
        ctx.flush();
    }
}
