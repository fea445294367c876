package dev.apptap.proxy.engine;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The time an upstream has to begin answering each request of one connection. One timer per connection that
 * re-arms itself, rather than a timer per request: scheduling and cancelling a task for every request of a
 * keep-alive connection showed up in profiles. Belongs to the connection's event loop.
 */
final class ResponseDeadline {

    private final EventExecutor loop;
    private final Duration timeout;
    private final Consumer<HttpExchange> onExpiry;
    private ScheduledFuture<?> timer;
    private HttpExchange timed;
    private long deadlineNanos;

    /** @param onExpiry called on the loop with the exchange whose response did not begin in time */
    ResponseDeadline(EventExecutor loop, Duration timeout, Consumer<HttpExchange> onExpiry) {
        this.loop = loop;
        this.timeout = timeout;
        this.onExpiry = onExpiry;
    }

    /** Starts the clock for {@code exchange}, replacing the one before. */
    void arm(HttpExchange exchange) {
        timed = exchange;
        deadlineNanos = System.nanoTime() + timeout.toNanos();
        if (timer == null) {
            schedule(timeout.toNanos());
        }
    }

    /** The response began: nothing expires until the next {@link #arm}. */
    void disarm() {
        timed = null;
    }

    /** Stops the timer for good (the connection's handler is going away). */
    void cancel() {
        timed = null;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    Duration timeout() {
        return timeout;
    }

    private void schedule(long delayNanos) {
        timer = loop.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        HttpExchange exchange = timed;
        if (exchange == null) {
            return;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            schedule(left);
            return;
        }
        timed = null;
        onExpiry.accept(exchange);
    }
}
