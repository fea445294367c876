package dev.apptap.flow;

/**
 * A {@link Flows} query covered flows the store's {@link FlowWindow} had already evicted, so its answer would have
 * been incomplete. The message names the window, the newest evicted flow and how to raise the window.
 *
 * <pre>{@code
 * try {
 *     List<Flow> all = flows.flows();
 * } catch (FlowEvictedException e) {
 *     List<Flow> kept = flows.retainedFlows();   // what the window still holds, knowingly partial
 * }
 * }</pre>
 */
public final class FlowEvictedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** How to raise the window in each front end, for every message that mentions it. */
    static final String RAISE = "raise it with --window-flows and --window-bytes (apptap run and watch), the"
            + " configuration parameters apptap.window.flows and apptap.window.bytes (JUnit), or"
            + " SessionOptions.Builder.flowWindow, or read the flows sooner";

    private final long newestEvictedId;

    FlowEvictedException(String message, long newestEvictedId) {
        super(message);
        this.newestEvictedId = newestEvictedId;
    }

    /** The id of the newest flow evicted when the query ran. */
    public long newestEvictedId() {
        return newestEvictedId;
    }

    /** The sentence for a view of {@code store} described as {@code view} that lost flows up to {@code newest}. */
    static String sentence(FlowStore store, String view, long newest) {
        return "Flows of " + view + " were evicted from apptap's flow window, which keeps " + store.window().describe()
                + " (" + store.evicted() + " evicted so far, the newest #" + newest + "), so they can no longer be"
                + " read or matched; " + RAISE + ".";
    }
}
