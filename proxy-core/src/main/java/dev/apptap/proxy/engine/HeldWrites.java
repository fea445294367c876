package dev.apptap.proxy.engine;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The writes a fault holds back (a delay, a throttle) or swallows (a hang), and the one timer that lets them go; for
 * {@link FaultInjector} and {@link Http2StreamFaults}. When the app leaves, {@link #dropAll} releases what is held and
 * fails the writes, so no buffer leaks and nothing upstream waits for them.
 */
final class HeldWrites {

    /** A write waiting here. */
    record Write(Object msg, ChannelPromise promise) {
    }

    final ArrayDeque<Write> queue = new ArrayDeque<>();
    private final List<ChannelPromise> swallowed = new ArrayList<>();
    private ScheduledFuture<?> timer;

    void hold(Object msg, ChannelPromise promise) {
        queue.add(new Write(msg, promise));
    }

    /** Drops {@code msg}; its write completes only as a failure once the app leaves, as on a server that hangs. */
    void swallow(Object msg, ChannelPromise promise) {
        ReferenceCountUtil.release(msg);
        swallowed.add(promise);
    }

    boolean timerRunning() {
        return timer != null;
    }

    /** Runs {@code task} on the connection's event loop after {@code nanos}. */
    void after(ChannelHandlerContext ctx, long nanos, Runnable task) {
        timer = ctx.executor().schedule(() -> {
            timer = null;
            task.run();
        }, nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Holds {@code msg} until {@code millis} after the first write held, then runs {@code over} and writes everything
     * held, in order.
     */
    void delay(ChannelHandlerContext ctx, Object msg, ChannelPromise promise, long millis, Runnable over) {
        hold(msg, promise);
        if (timer == null) {
            after(ctx, TimeUnit.MILLISECONDS.toNanos(millis), () -> {
                over.run();
                writeAll(ctx);
            });
        }
    }

    /** Writes everything held, in order, and flushes. */
    void writeAll(ChannelHandlerContext ctx) {
        while (!queue.isEmpty()) {
            Write next = queue.poll();
            ctx.write(next.msg, next.promise);
        }
        ctx.flush();
    }

    void dropAll() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        while (!queue.isEmpty()) {
            Write next = queue.poll();
            ReferenceCountUtil.release(next.msg);
            next.promise.tryFailure(new ClosedChannelException());
        }
        for (ChannelPromise promise : swallowed) {
            promise.tryFailure(new ClosedChannelException());
        }
        swallowed.clear();
    }
}
