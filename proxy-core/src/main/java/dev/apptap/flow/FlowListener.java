package dev.apptap.flow;

/**
 * Receives each snapshot a {@link FlowStore} publishes, as it is published.
 *
 * <p>Listeners run on a publishing thread (an engine thread), one snapshot at a time, in publish order, so all
 * snapshots of one flow arrive in the order they were published. Keep them quick and non-blocking: while one
 * runs, the snapshots published meanwhile wait. A listener that throws is logged and skipped; the store and the
 * other listeners carry on.
 */
@FunctionalInterface
public interface FlowListener {

    /** Called with the latest snapshot of a flow that was just published. */
    void onFlow(Flow snapshot);
}
