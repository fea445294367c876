package dev.apptap.flow;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A wait on a {@link Flows} ended without what it waited for. The message says what was awaited, in which
 * view, and lists the flows that were there (one {@link Flow#summary()} per line), so that a failing test shows
 * what the app did instead.
 */
public final class FlowTimeoutException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** How many flows the message lists before it only counts the rest. */
    static final int LISTED = 50;

    private final transient List<Flow> flows;
    private final Duration timeout;

    FlowTimeoutException(String message, List<Flow> flows, Duration timeout, Throwable cause) {
        super(message, cause);
        this.flows = List.copyOf(flows);
        this.timeout = timeout;
    }

    /** The latest snapshots of the flows in the view when the wait ended, in id order. */
    public List<Flow> flows() {
        return flows;
    }

    /** How long the wait lasted at most. */
    public Duration timeout() {
        return timeout;
    }

    /** {@code 250 ms}, {@code 5 s}, {@code 1.5 s}, for messages. */
    static String describe(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + " s";
        }
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /** One line per flow, capped at {@link #LISTED}, each indented: {@code   #7 curl GET https://… → 200 (…)}. */
    static String listing(List<Flow> flows) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < flows.size() && i < LISTED; i++) {
            Flow flow = flows.get(i);
            lines.append("\n  #").append(flow.id()).append(' ').append(flow.summary());
        }
        if (flows.size() > LISTED) {
            lines.append("\n  … and ").append(flows.size() - LISTED).append(" more.");
        }
        return lines.toString();
    }
}
