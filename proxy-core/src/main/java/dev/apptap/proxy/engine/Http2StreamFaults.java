package dev.apptap.proxy.engine;

import dev.apptap.proxy.rules.Fault;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;

/**
 * Applies a rule's {@link Fault} to one h2 stream's response frames on their way to the app, so the other streams of
 * the connection go on: a cut is a RST_STREAM, a delay or a hang holds this stream only. A connection reset takes the
 * whole connection down, as a crashing server would. Throttling and garbage have no per-stream form in h2: they reset
 * the stream, and the flow says so. The stream has no channel of its own ({@link Http2FrameRelay}), so its one write
 * path ({@link Http2RelayedStream#toApp}) passes each frame through {@link #write}.
 *
 * <pre>{@code
 * faults = Http2StreamFaults.arm(app, outcome.fault(), this::resetApp);   // once the rule step decided
 * ChannelFuture written = faults == null ? app.write(frame) : faults.write(frame);
 * faults.dropAll();                                                        // when the app's stream closes
 * }</pre>
 */
final class Http2StreamFaults {

    /** How the stream resets the app's side with an error code. */
    interface StreamReset {
        void reset(long errorCode);
    }

    private final Fault fault;
    private final ChannelHandlerContext app;
    private final StreamReset resetStream;
    /** Frames held for a delay, and a hang's swallowed ones. */
    private final HeldWrites held = new HeldWrites();
    /** The stream was cut (reset): later frames are dropped. */
    private boolean cut;
    private long bodyBytes;
    private boolean headersSent;
    private boolean delayOver;

    private Http2StreamFaults(Fault fault, ChannelHandlerContext app, StreamReset resetStream) {
        this.fault = fault;
        this.app = app;
        this.resetStream = resetStream;
    }

    /**
     * The fault for this stream's response, recorded on the flow as what apptap does; {@code null} when
     * {@code injected} is null.
     *
     * @param app the app connection's relay handler, where the stream's frames are written
     */
    static Http2StreamFaults arm(ChannelHandlerContext app, InjectedFault injected, StreamReset resetStream) {
        if (injected == null) {
            return null;
        }
        injected.record(sentence(injected));
        return new Http2StreamFaults(injected.fault, app, resetStream);
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

    /** Writes {@code frame} (already on the app's stream) as the fault allows; the caller flushes. */
    ChannelFuture write(Http2StreamFrame frame) {
        ChannelPromise promise = app.newPromise();
        if (cut) {
            drop(frame, promise);
            return promise;
        }
        switch (fault.kind()) {
            case CONNECTION_RESET -> {
                drop(frame, promise);
                cut = true;
                FaultInjector.reset(app.channel());
            }
            case CLOSE_BEFORE_BODY, CLOSE_AFTER_BODY_BYTES -> cutAfter(frame, promise,
                    fault.kind() == Fault.Kind.CLOSE_BEFORE_BODY ? 0 : fault.amount());
            case DELAY -> {
                if (delayOver) {
                    app.write(frame, promise);
                } else {
                    held.delay(app, frame, promise, fault.amount(), () -> delayOver = true);
                }
            }
            case HANG -> held.swallow(frame, promise);
            default -> {
                drop(frame, promise);
                reset();
            }
        }
        return promise;
    }

    /** HEADERS go out, then DATA up to {@code allowed} bytes, then RST_STREAM (a shorter body goes out whole). */
    private void cutAfter(Http2StreamFrame frame, ChannelPromise promise, long allowed) {
        if (frame instanceof Http2HeadersFrame && !headersSent) {
            headersSent = true;
            app.write(frame, promise);
            return;
        }
        if (frame instanceof Http2DataFrame data) {
            int size = data.content().readableBytes();
            if (bodyBytes + size <= allowed) {
                bodyBytes += size;
                app.write(frame, promise);
                return;
            }
            int take = (int) (allowed - bodyBytes);
            if (take > 0) {
                app.write(new DefaultHttp2DataFrame(data.content().retainedSlice(data.content().readerIndex(), take),
                        false).stream(data.stream()));
            }
            bodyBytes = allowed;
        }
        // the rest of the body, or trailers after a body cut short
        drop(frame, promise);
        reset();
    }

    private void reset() {
        cut = true;
        resetStream.reset(Http2Error.CANCEL.code());
    }

    private static void drop(Http2StreamFrame frame, ChannelPromise promise) {
        ReferenceCountUtil.release(frame);
        promise.tryFailure(new ClosedChannelException());
    }

    /** The app's stream closed: what is held is released and its writes fail, so nothing leaks or waits. */
    void dropAll() {
        cut = true;
        held.dropAll();
    }
}
