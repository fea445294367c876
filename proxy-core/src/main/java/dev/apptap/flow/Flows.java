package dev.apptap.flow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A live, filtered window on a {@link FlowStore}: every read sees the latest snapshots, including flows published
 * after the view was made. Views are cheap, immutable and thread-safe; narrowing one makes another.
 *
 * <pre>{@code
 * Flows curl = store.since(mark).fromProcesses(p -> p.name().equals("curl"));
 * HttpFlow done = curl.awaitFirst(HttpFlow.class, f -> f.isComplete(), Duration.ofSeconds(5));
 * curl.awaitAllComplete(Duration.ofSeconds(2));   // before asserting on everything curl did
 * List<HttpFlow> all = curl.httpFlows();
 * }</pre>
 *
 * <p>Waits never poll: publishing wakes them, and they test conditions on the waiting thread. A condition (or a
 * filter) that throws counts as not matching while waiting, since snapshots of flows still in progress lack parts
 * (a response, say); the timeout message then reports what it threw.
 */
public final class Flows {

    private final FlowStore store;
    private final long afterId;
    private final Predicate<? super Flow> filter;
    private final String description;

    Flows(FlowStore store, long afterId, Predicate<? super Flow> filter, String description) {
        this.store = store;
        this.afterId = afterId;
        this.filter = filter;
        this.description = description;
    }

    /**
     * The latest snapshot of every flow in this view, in id order. A filter that throws throws here.
     *
     * @throws FlowEvictedException when the store's {@link FlowWindow} evicted a flow of this view's range, so the
     *                              list would be incomplete; {@link #retainedFlows()} reads what is left
     */
    public List<Flow> flows() {
        checkNothingEvicted();
        return retainedFlows();
    }

    /**
     * The flows of this view the store's {@link FlowWindow} still holds, in id order, without the check
     * {@link #flows()} makes: for reports that show what is left and say what is not.
     */
    public List<Flow> retainedFlows() {
        List<Flow> list = new ArrayList<>();
        for (FlowStore.Entry entry : store.entriesAfter(afterId)) {
            if (filter == null || filter.test(entry.flow())) {
                list.add(entry.flow());
            }
        }
        return list;
    }

    /** The HTTP flows in this view, in id order. */
    public List<HttpFlow> httpFlows() {
        return ofType(HttpFlow.class);
    }

    /** The DNS flows of this view, in id order. */
    public List<DnsFlow> dnsFlows() {
        return ofType(DnsFlow.class);
    }

    /** The non-HTTP connections in this view, in id order. */
    public List<TcpFlow> tcpFlows() {
        return ofType(TcpFlow.class);
    }

    public int size() {
        return flows().size();
    }

    public boolean isEmpty() {
        return flows().isEmpty();
    }

    /** A narrower view: the flows of this one whose latest snapshot satisfies {@code condition}. */
    public Flows filter(Predicate<? super Flow> condition) {
        return filter("matching a filter", condition);
    }

    /**
     * A narrower view, with {@code description} (such as {@code "to api.example.test"}) naming it in timeout
     * messages.
     */
    public Flows filter(String description, Predicate<? super Flow> condition) {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(condition, "condition");
        Predicate<? super Flow> outer = filter;
        Predicate<Flow> combined = outer == null ? condition::test : f -> outer.test(f) && condition.test(f);
        return new Flows(store, afterId, combined, this.description + " " + description);
    }

    /**
     * A narrower view: the flows a rule's fault broke on purpose (a reset, a cut-off body, a failed TLS handshake, …;
     * see {@code dev.apptap.proxy.rules.Fault}), whose error says what apptap did.
     */
    public Flows faulted() {
        return filter("faulted by apptap", f -> f.error().filter(e -> e.kind() == FlowError.Kind.FAULT).isPresent());
    }

    /** A narrower view: the flows opened by processes that satisfy {@code condition}. */
    public Flows fromProcesses(Predicate<? super ProcessInfo> condition) {
        Objects.requireNonNull(condition, "condition");
        return filter("from matching processes", f -> condition.test(f.process()));
    }

    /** A narrower view: the flows opened by the processes with these ids. */
    public Flows fromPids(Set<Long> pids) {
        Set<Long> copy = Set.copyOf(pids);
        String listed = copy.stream().sorted().map(String::valueOf).collect(Collectors.joining(", "));
        return filter("from pid" + (copy.size() == 1 ? " " : "s ") + listed, f -> copy.contains(f.process().pid()));
    }

    /**
     * Calls {@code listener} with each snapshot published from now on that belongs to this view (see
     * {@link FlowStore#addListener}).
     */
    public FlowStore.Registration addListener(FlowListener listener) {
        Objects.requireNonNull(listener, "listener");
        return store.addListener(snapshot -> {
            if (snapshot.id() > afterId && (filter == null || filter.test(snapshot))) {
                listener.onFlow(snapshot);
            }
        });
    }

    /**
     * The first flow, in id order, whose latest snapshot satisfies {@code condition}: at once if one is there,
     * else as soon as one is published.
     *
     * @throws FlowTimeoutException when none did within {@code timeout}; its message lists the flows in the view
     */
    public Flow awaitFirst(Predicate<? super Flow> condition, Duration timeout) {
        return awaitFirst("the condition", condition, timeout);
    }

    /**
     * Like {@link #awaitFirst(Predicate, Duration)}, with {@code description} (such as {@code "a POST to /login"})
     * naming the condition in the timeout message.
     */
    public Flow awaitFirst(String description, Predicate<? super Flow> condition, Duration timeout) {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(condition, "condition");
        Objects.requireNonNull(timeout, "timeout");
        Failures failures = new Failures();
        // Snapshots are immutable, so an entry that failed the test fails it again until it is republished: each
        // round tests only the entries published since the previous one.
        long[] testedUpTo = {Long.MIN_VALUE};
        return await(timeout, failures, seen -> {
            for (FlowStore.Entry entry : store.entriesAfter(afterId)) {
                if (entry.version() > testedUpTo[0] && matches(filter, entry.flow(), failures)
                        && matches(condition, entry.flow(), failures)) {
                    return entry.flow();
                }
            }
            testedUpTo[0] = seen;
            return null;
        }, () -> "No flow in " + this.description + " matched " + description + " within "
                + FlowTimeoutException.describe(timeout) + ".");
    }

    /**
     * The first flow of {@code type}, in id order, whose latest snapshot satisfies {@code condition}; see
     * {@link #awaitFirst(Predicate, Duration)}.
     */
    public <T extends Flow> T awaitFirst(Class<T> type, Predicate<? super T> condition, Duration timeout) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(condition, "condition");
        String article = type == HttpFlow.class ? "an " : "a ";
        return type.cast(awaitFirst(article + type.getSimpleName() + " matching the condition",
                f -> type.isInstance(f) && condition.test(type.cast(f)), timeout));
    }

    /**
     * Waits until this view holds at least {@code count} flows, and returns them all.
     *
     * @throws FlowTimeoutException when fewer arrived within {@code timeout}
     */
    public List<Flow> awaitCount(int count, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        Failures failures = new Failures();
        return await(timeout, failures, seen -> {
            List<Flow> now = flowsQuietly(failures);
            return now.size() >= count ? now : null;
        }, () -> "Expected at least " + count + " flow" + (count == 1 ? "" : "s") + " in " + description
                + " within " + FlowTimeoutException.describe(timeout) + ", but fewer arrived.");
    }

    /**
     * Waits until every flow in this view is complete, and returns them all; at once when the view is empty. Call
     * it after the app exited, before asserting on everything it did, so that no flow is still half recorded.
     *
     * @throws FlowTimeoutException when some were still running after {@code timeout}
     */
    public List<Flow> awaitAllComplete(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        Failures failures = new Failures();
        return await(timeout, failures, seen -> {
            List<Flow> now = flowsQuietly(failures);
            return now.stream().allMatch(Flow::isComplete) ? now : null;
        }, () -> "Expected every flow in " + description + " to complete within "
                + FlowTimeoutException.describe(timeout) + ", but some were still running.");
    }

    /** Whether the store's {@link FlowWindow} evicted a flow of this view's range (which its filter may not keep). */
    public boolean lostFlowsToTheWindow() {
        return store.greatestEvictedId() > afterId;
    }

    /** What this view holds, in words: {@code the flows since the mark (ids above 12) from pid 4242}. */
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return "Flows[" + description + "]";
    }

    // ---- internals ----

    /** One round of a wait: the result, or null to sleep until the store changes. */
    @FunctionalInterface
    private interface Round<T> {
        T attempt(long seenVersion);
    }

    /** The last exception a condition or filter threw while waiting, for the timeout message. */
    private static final class Failures {
        RuntimeException last;
        long flowId;
    }

    private <T> T await(Duration timeout, Failures failures, Round<T> round,
                        Supplier<String> headline) {
        long budget = FlowStore.toNanos(timeout);
        long start = System.nanoTime();
        try {
            while (true) {
                long seen = store.version();
                T result = round.attempt(seen);
                if (result != null) {
                    return result;
                }
                long left = budget - (System.nanoTime() - start);
                if (!store.awaitChange(seen, left)) {
                    throw timeout(headline.get(), timeout, failures, null);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw timeout(headline.get().replaceFirst("within [^,.]*", "before the waiting thread was interrupted"),
                    timeout, failures, e);
        }
    }

    private FlowTimeoutException timeout(String headline, Duration timeout, Failures failures, Throwable cause) {
        Failures ignored = new Failures();
        List<Flow> present = flowsQuietly(ignored);
        StringBuilder message = new StringBuilder(headline);
        if (present.isEmpty()) {
            message.append("\nNo flows arrived in ").append(description)
                    .append("; check that the app ran and that its traffic goes through apptap.");
        } else {
            message.append("\n").append(present.size() == 1 ? "This flow" : "These " + present.size() + " flows")
                    .append(" arrived in ").append(description).append(":")
                    .append(FlowTimeoutException.listing(present));
        }
        long newestEvicted = store.greatestEvictedId();
        if (newestEvicted > afterId) {
            message.append("\n").append(FlowEvictedException.sentence(store, description, newestEvicted));
        }
        if (failures.last != null) {
            message.append("\nThe condition threw ").append(failures.last).append(" for flow #")
                    .append(failures.flowId).append("; a condition that throws counts as not matching, so guard it ")
                    .append("(for example with `f instanceof HttpFlow h && h.response().isPresent() && …`).");
        }
        Throwable reported = cause != null ? cause : failures.last;
        FlowTimeoutException exception = new FlowTimeoutException(message.toString(), present, timeout, reported);
        if (cause != null && failures.last != null) {
            exception.addSuppressed(failures.last);
        }
        return exception;
    }

    private void checkNothingEvicted() {
        long newestEvicted = store.greatestEvictedId();
        if (newestEvicted > afterId) {
            throw new FlowEvictedException(FlowEvictedException.sentence(store, description, newestEvicted),
                    newestEvicted);
        }
    }

    private List<Flow> flowsQuietly(Failures failures) {
        List<Flow> list = new ArrayList<>();
        for (FlowStore.Entry entry : store.entriesAfter(afterId)) {
            if (matches(filter, entry.flow(), failures)) {
                list.add(entry.flow());
            }
        }
        return list;
    }

    private static boolean matches(Predicate<? super Flow> condition, Flow flow, Failures failures) {
        if (condition == null) {
            return true;
        }
        try {
            return condition.test(flow);
        } catch (RuntimeException e) {
            failures.last = e;
            failures.flowId = flow.id();
            return false;
        }
    }

    private <T extends Flow> List<T> ofType(Class<T> type) {
        List<T> list = new ArrayList<>();
        for (Flow flow : flows()) {
            if (type.isInstance(flow)) {
                list.add(type.cast(flow));
            }
        }
        return list;
    }
}
