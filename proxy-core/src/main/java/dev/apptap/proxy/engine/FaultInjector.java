package dev.apptap.proxy.engine;

import dev.apptap.proxy.rules.Fault;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Applies a rule's {@link Fault} to the bytes of one HTTP/1 response on their way to the app: it sits below the HTTP
 * codec (above TLS), so it sees the response as the app will, head then body, and can cut, hold, pace, replace or
 * reset it. The relay arms it when the rule step decided ({@link #arm}) and disarms it once the response went out
 * ({@link #disarm}); unarmed, it passes everything through.
 *
 * <pre>{@code
 * FaultInjector.arm(ctx, outcome.fault());              // before the response is written
 * FaultInjector.disarm(ctx.pipeline());                 // once the response's last write completed
 * }</pre>
 */
final class FaultInjector extends ChannelDuplexHandler {

    static final String NAME = "fault-injector";

    /** What {@link Fault#malformedResponse()} sends: not a status line, so no HTTP client can read it. */
    static final byte[] MALFORMED = "\u0000\u0001apptap: these bytes are not an HTTP response\n"
            .getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Writes held for a delay or a throttle, and a hang's swallowed ones. */
    private final HeldWrites held = new HeldWrites();
    /** The connection was cut (closed, reset, replaced by garbage): later writes fail. */
    private boolean cut;
    private Fault fault;
    /** How many bytes of {@link #HEAD_END} the bytes so far end with; 4 once the head is out. */
    private int headEndMatched;
    /** The status line's first bytes, to skip an interim {@code 100 Continue} head. */
    private final StringBuilder statusLine = new StringBuilder(12);
    private long bodyBytes;
    /** DELAY: the timer has fired, writes pass. */
    private boolean delayOver;

    /**
     * Arms the injector of the relay's app-facing pipeline for the next response, adding it on first use below the
     * HTTP codec (or, for a relay that writes bytes itself, right below the relay), and records on the flow what
     * apptap will do. Does nothing when {@code injected} is null.
     */
    static void arm(ChannelHandlerContext relay, InjectedFault injected) {
        if (injected == null) {
            return;
        }
        ChannelPipeline pipeline = relay.pipeline();
        FaultInjector injector = pipeline.get(FaultInjector.class);
        if (injector == null) {
            ChannelHandlerContext codec = pipeline.context(HttpServerCodec.class);
            injector = new FaultInjector();
            pipeline.addBefore(codec != null ? codec.name() : relay.name(), NAME, injector);
        }
        injector.arm(injected.fault);
        injected.record(sentence(injected));
    }

    /**
     * The response went out: later responses on the connection pass untouched. A close the response was too short
     * to reach happens now, so the app still sees the connection go.
     */
    static void disarm(ChannelPipeline pipeline) {
        FaultInjector injector = pipeline.get(FaultInjector.class);
        if (injector == null || injector.fault == null) {
            return;
        }
        Fault.Kind kind = injector.fault.kind();
        injector.arm(null);
        if (!injector.cut && (kind == Fault.Kind.CLOSE_BEFORE_BODY || kind == Fault.Kind.CLOSE_AFTER_BODY_BYTES)) {
            injector.cut = true;
            pipeline.context(injector).close();
        }
    }

    void arm(Fault next) {
        fault = next;
        headEndMatched = 0;
        statusLine.setLength(0);
        bodyBytes = 0;
        delayOver = false;
    }

    /** What apptap does, for the flow: completed by {@link InjectedFault#record} with the rule that asked. */
    static String sentence(InjectedFault injected) {
        Fault fault = injected.fault;
        return switch (fault.kind()) {
            case CONNECTION_RESET -> "reset the connection (TCP RST) of " + injected.app() + " instead of answering "
                    + injected.request();
            case TLS_HANDSHAKE_FAILURE -> "reset the connection (TCP RST) of " + injected.app()
                    + " instead of answering " + injected.request() + ", since its TLS handshake (if any) was over"
                    + " before the rule applied";
            case CLOSE_BEFORE_BODY -> "closed the connection of " + injected.app() + " after the head of the response"
                    + " to " + injected.request() + ", before its body";
            case CLOSE_AFTER_BODY_BYTES -> "closed the connection of " + injected.app() + " after " + fault.amount()
                    + " bytes of the response body to " + injected.request();
            case DELAY -> "held the response to " + injected.request() + " back for " + fault.amount() + " ms";
            case THROTTLE -> "sent the response to " + injected.request() + " at " + fault.amount()
                    + " bytes per second";
            case MALFORMED_RESPONSE -> "sent " + injected.app() + " bytes that are not HTTP instead of the response to "
                    + injected.request() + ", then closed the connection";
            case HANG -> "sent nothing in answer to " + injected.request() + " and kept the connection of "
                    + injected.app() + " open until the app gave up";
        };
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (droppedAfterCut(msg, promise)) {
            return;
        }
        if (fault == null || !(msg instanceof ByteBuf bytes)) {
            ctx.write(msg, promise);
            return;
        }
        switch (fault.kind()) {
            case CONNECTION_RESET, TLS_HANDSHAKE_FAILURE -> {
                bytes.release();
                cut = true;
                reset(ctx.channel()); // before failing the write: its listener would close the polite way, through TLS
                promise.tryFailure(new ClosedChannelException());
            }
            case MALFORMED_RESPONSE -> {
                bytes.release();
                cut = true;
                ctx.writeAndFlush(Unpooled.wrappedBuffer(MALFORMED)).addListener(ChannelFutureListener.CLOSE);
                promise.trySuccess();
            }
            case HANG -> held.swallow(bytes, promise);
            case CLOSE_BEFORE_BODY, CLOSE_AFTER_BODY_BYTES -> cutAfter(ctx, bytes, promise,
                    fault.kind() == Fault.Kind.CLOSE_BEFORE_BODY ? 0 : fault.amount());
            case DELAY -> {
                if (delayOver) {
                    ctx.write(bytes, promise);
                } else {
                    held.delay(ctx, bytes, promise, fault.amount(), () -> delayOver = true);
                }
            }
            case THROTTLE -> {
                held.hold(bytes, promise);
                if (!held.timerRunning()) {
                    pace(ctx);
                }
            }
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (fault == null || !holds()) {
            ctx.flush();
        }
    }

    /** Whether writes wait here rather than go out at once. */
    private boolean holds() {
        return switch (fault.kind()) {
            case HANG, THROTTLE -> true;
            case DELAY -> !delayOver;
            default -> false;
        };
    }

    /** Writes the head and up to {@code allowed} body bytes, then closes the connection as a server that died would. */
    private void cutAfter(ChannelHandlerContext ctx, ByteBuf bytes, ChannelPromise promise, long allowed) {
        int headBytes = headEndMatched == HEAD_END.length ? 0 : scanHead(bytes);
        if (headEndMatched < HEAD_END.length) {
            ctx.write(bytes, promise); // still in the head
            return;
        }
        long pass = headBytes + Math.max(0, allowed - bodyBytes);
        if (pass >= bytes.readableBytes()) {
            bodyBytes += bytes.readableBytes() - headBytes;
            ctx.write(bytes, promise);
            return;
        }
        ByteBuf part = bytes.readRetainedSlice((int) pass);
        bytes.release();
        cut = true;
        ctx.writeAndFlush(part, promise);
        ctx.close();
    }

    /**
     * Looks for the end of the response head in {@code bytes} (without moving its reader index), skipping interim
     * 1xx heads; returns how many of its bytes belong to the head.
     */
    private int scanHead(ByteBuf bytes) {
        int start = bytes.readerIndex();
        for (int i = start; i < bytes.writerIndex(); i++) {
            byte b = bytes.getByte(i);
            if (statusLine.length() < 12) {
                statusLine.append((char) (b & 0xff));
            }
            headEndMatched = b == HEAD_END[headEndMatched] ? headEndMatched + 1 : b == '\r' ? 1 : 0;
            if (headEndMatched == HEAD_END.length) {
                if (statusLine.length() >= 10 && statusLine.charAt(9) == '1') {
                    headEndMatched = 0; // "HTTP/1.1 100 Continue": the real head follows
                    statusLine.setLength(0);
                    continue;
                }
                return i + 1 - start;
            }
        }
        return bytes.readableBytes();
    }

    /** Sends one tick's worth of the held bytes, and comes back next tick while some are left. */
    private void pace(ChannelHandlerContext ctx) {
        long perTick = Math.max(1, fault.amount() * TICK_NANOS / TimeUnit.SECONDS.toNanos(1));
        long budget = perTick;
        while (!held.queue.isEmpty() && (budget > 0 || !((ByteBuf) held.queue.peek().msg()).isReadable())) {
            HeldWrites.Write next = held.queue.peek();
            ByteBuf bytes = (ByteBuf) next.msg();
            int take = (int) Math.min(budget, bytes.readableBytes());
            budget -= take;
            if (take == bytes.readableBytes()) {
                held.queue.poll();
                ctx.write(bytes, next.promise());
            } else {
                ctx.write(bytes.readRetainedSlice(take));
            }
        }
        ctx.flush();
        // a tick that sent something is spent even if the queue ran dry: the next write waits for the next tick
        if (!held.queue.isEmpty() || budget < perTick) {
            held.after(ctx, TimeUnit.SECONDS.toNanos(1) * perTick / fault.amount(), () -> pace(ctx));
        }
    }

    /** A TCP RST: linger 0, then a close that skips TLS's close_notify, so the app sees "connection reset by peer". */
    static void reset(Channel connection) {
        connection.config().setOption(ChannelOption.SO_LINGER, 0);
        // Closing from the first handler goes straight to the socket: no close_notify, no flush that would wait.
        connection.pipeline().firstContext().close();
    }

    /** After a cut, a write is released and fails; true when {@code msg} was dropped so. */
    private boolean droppedAfterCut(Object msg, ChannelPromise promise) {
        if (!cut) {
            return false;
        }
        ReferenceCountUtil.release(msg);
        promise.tryFailure(new ClosedChannelException());
        return true;
    }

    // The app left: what is held is released and its writes fail, so no buffer leaks and nothing waits on them.
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        dropAll();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        dropAll();
    }

    private void dropAll() {
        cut = true;
        held.dropAll();
    }
}
