package dev.apptap.assertions;

import dev.apptap.flow.Flow;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.rules.Comparison;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.assertj.core.api.AbstractListAssert;

/**
 * Assertions on the flows of a test, in the order they began. Obtain one with
 * {@link ApptapAssertions#assertThat(Flows)}.
 *
 * <pre>{@code
 * assertThat(flows).fromProcess("curl")
 *         .hasRequest(post("https://api.example.test/v1/login").withJsonPath("$.user", "alice"))
 *         .doesNotHaveRequest(get("/v1/admin"))
 *         .hasRequestsInOrder(post("/v1/login"), get("/v1/items"));
 *
 * // the app polls in the background: retry every check for up to 5 seconds
 * assertThat(flows).within(Duration.ofSeconds(5)).hasRequest(get("/v1/ping"), atLeast(3));
 *
 * // navigate to one flow
 * assertThat(flows).toHost("api.example.test").singleElement().hasStatus(200);
 * }</pre>
 *
 * <p>It is a list assert, so every AssertJ list check ({@code hasSize}, {@code filteredOn}, {@code first},
 * {@code element(i)}, {@code singleElement}, …) works too; navigation returns {@link FlowAssert}s.
 *
 * <p>Without {@link #within(Duration)}, checks look at the flows as they were when {@code assertThat} was called.
 * With it, the checks of this class and {@code hasSize}, {@code isEmpty}, {@code isNotEmpty},
 * {@code hasSizeGreaterThanOrEqualTo}, {@code anySatisfy}, {@code allSatisfy}, {@code noneSatisfy}, {@code first},
 * {@code last}, {@code element} and {@code singleElement} re-read the flows until they pass; other inherited checks
 * look at the flows once.
 */
public class FlowsAssert extends AbstractListAssert<FlowsAssert, List<Flow>, Flow, FlowAssert> {

    private final Source source;
    private final Duration patience;

    /** Asserts on the current flows of a live view; public for AssertJ's soft assertion proxies. */
    public FlowsAssert(Flows flows) {
        this(flows == null ? null : flows.flows(), flows == null ? Source.fixed(List.of()) : Source.live(flows), null);
    }

    /** Asserts on a fixed list of flows; public for AssertJ's soft assertion proxies. */
    public FlowsAssert(List<? extends Flow> flows) {
        this(flows == null ? null : List.copyOf(flows), Source.fixed(flows == null ? List.of() : flows), null);
    }

    FlowsAssert(List<Flow> snapshot, Source source, Duration patience) {
        super(snapshot, FlowsAssert.class);
        this.source = source;
        this.patience = patience;
        info.useRepresentation(FlowRepresentation.INSTANCE);
    }

    /**
     * This assert, with every check (see the class comment) retried on the latest flows until it passes or
     * {@code patience} runs out; the timeout message is the last failure plus the flows that arrived meanwhile.
     *
     * <pre>{@code
     * assertThat(flows).within(Duration.ofSeconds(5)).hasRequest(get("https://api.example.test/v1/ping"));
     * }</pre>
     *
     * @throws IllegalStateException when this assert is on a fixed list, which no flow will ever join
     */
    public FlowsAssert within(Duration patience) {
        Objects.requireNonNull(patience, "patience");
        if (patience.isNegative() || patience.isZero()) {
            throw new IllegalArgumentException("within() needs a positive duration, but got " + patience + ".");
        }
        if (source.live().isEmpty()) {
            throw new IllegalStateException("within() waits for flows to arrive, so it needs a live Flows view: "
                                            + "call assertThat(Flows), not assertThat(List).");
        }
        return copy(actual, source, patience);
    }

    // ---- narrowing ----

    /** The flows opened by a process whose executable's file name is {@code name}. */
    public FlowsAssert fromProcess(String name) {
        Objects.requireNonNull(name, "name");
        return narrow("from process " + Lines.quote(name), f -> f.process().name().equals(name));
    }

    /** The flows to {@code host} (the URL's host for HTTP flows, else the destination), in any case. */
    public FlowsAssert toHost(String host) {
        Objects.requireNonNull(host, "host");
        return narrow("to host " + Lines.quote(host), f -> f.host().equalsIgnoreCase(host));
    }

    /** The HTTP flows only, leaving out TCP connections and other kinds of flow. */
    public FlowsAssert httpFlows() {
        return narrow("over HTTP", f -> f instanceof HttpFlow);
    }

    /** Like AssertJ's {@code filteredOn}, and it keeps waiting when this assert waits. */
    @Override
    public FlowsAssert filteredOn(Predicate<? super Flow> predicate) {
        Objects.requireNonNull(predicate, "The filter predicate should not be null");
        return narrow("matching the filter", predicate);
    }

    // ---- requests ----

    /**
     * At least one flow matches {@code expected}. When none does, the message shows the expectation, the closest
     * flows field by field, and every flow of the test.
     */
    public FlowsAssert hasRequest(RequestPattern expected) {
        return hasRequest(expected, ApptapAssertions.atLeast(1));
    }

    /**
     * As many flows match {@code expected} as {@code times} allows: {@code exactly(2)}, {@code atLeast(3)},
     * {@code atMost(1)}, {@code between(2, 4)} or {@code never()}. Under {@link #within} prefer {@code atLeast}
     * for apps that poll: an exact count can pass and then fail a moment later.
     */
    public FlowsAssert hasRequest(RequestPattern expected, Times times) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(times, "times");
        return check(s -> s.verifyCount(expected, times));
    }

    /** No flow matches {@code unexpected}; the same as {@code hasRequest(unexpected, never())}. */
    public FlowsAssert doesNotHaveRequest(RequestPattern unexpected) {
        return hasRequest(unexpected, ApptapAssertions.never());
    }

    /**
     * Flows matching {@code expected} began in this order, other flows possibly in between: the first flow
     * matching the second pattern came after the first flow matching the first, and so on.
     */
    public FlowsAssert hasRequestsInOrder(RequestPattern... expected) {
        Objects.requireNonNull(expected, "expected");
        if (expected.length == 0) {
            throw new IllegalArgumentException("hasRequestsInOrder needs at least one pattern.");
        }
        List<RequestPattern> patterns = List.of(expected);
        return check(s -> s.verifyOrder(patterns));
    }

    // ---- inherited checks that wait too ----

    @Override
    public FlowsAssert hasSize(int expected) {
        return check(s -> s.superHasSize(expected));
    }

    @Override
    public void isEmpty() {
        check(FlowsAssert::superIsEmpty);
    }

    @Override
    public FlowsAssert isNotEmpty() {
        return check(FlowsAssert::superIsNotEmpty);
    }

    @Override
    public FlowsAssert hasSizeGreaterThanOrEqualTo(int boundary) {
        return check(s -> s.superHasSizeGreaterThanOrEqualTo(boundary));
    }

    @Override
    public FlowsAssert anySatisfy(Consumer<? super Flow> requirements) {
        return check(s -> s.superAnySatisfy(requirements));
    }

    @Override
    public FlowsAssert allSatisfy(Consumer<? super Flow> requirements) {
        return check(s -> s.superAllSatisfy(requirements));
    }

    @Override
    public FlowsAssert noneSatisfy(Consumer<? super Flow> restrictions) {
        return check(s -> s.superNoneSatisfy(restrictions));
    }

    @Override
    public FlowAssert singleElement() {
        return navigate(FlowsAssert::superSingleElement);
    }

    @Override
    public FlowAssert first() {
        return navigate(FlowsAssert::superFirst);
    }

    @Override
    public FlowAssert last() {
        return navigate(FlowsAssert::superLast);
    }

    @Override
    public FlowAssert element(int index) {
        return navigate(s -> s.superElement(index));
    }

    // ---- AssertJ navigation ----

    @Override
    protected FlowAssert toAssert(Flow value, String description) {
        return new FlowAssert(value, source, null).as(description);
    }

    @Override
    protected FlowsAssert newAbstractIterableAssert(Iterable<? extends Flow> iterable) {
        List<Flow> list = new ArrayList<>();
        iterable.forEach(list::add);
        Set<Long> ids = new HashSet<>();
        list.forEach(f -> ids.add(f.id()));
        return new FlowsAssert(list, source.narrow("in the filtered list", f -> ids.contains(f.id())), null);
    }

    // ---- internals ----

    /** Runs {@code action} once on this snapshot, or, when waiting, on fresh snapshots until it passes. */
    private FlowsAssert check(Consumer<FlowsAssert> action) {
        if (patience == null) {
            action.accept(this);
        } else {
            Waiting.until(source.live().orElseThrow(), patience, () -> action.accept(snapshot()));
        }
        return myself;
    }

    private FlowAssert navigate(Function<FlowsAssert, FlowAssert> step) {
        if (patience == null) {
            return step.apply(this);
        }
        AtomicReference<FlowAssert> found = new AtomicReference<>();
        check(s -> found.set(step.apply(s)));
        return found.get().waiting(patience);
    }

    private FlowsAssert snapshot() {
        return copy(source.inScope(), source, null);
    }

    private FlowsAssert copy(List<Flow> flows, Source newSource, Duration newPatience) {
        FlowsAssert copy = new FlowsAssert(flows, newSource, newPatience);
        // Shared, as AssertJ's own navigation shares it, so that as() and withFailMessage() carry over.
        copy.info = info;
        return copy;
    }

    private FlowsAssert narrow(String text, Predicate<? super Flow> condition) {
        isNotNull();
        return copy(actual.stream().filter(condition).toList(), source.narrow(text, condition), patience);
    }

    private List<HttpFlow> matching(RequestPattern pattern) {
        List<HttpFlow> matches = new ArrayList<>();
        for (Flow flow : actual) {
            if (pattern.matches(flow)) {
                matches.add((HttpFlow) flow);
            }
        }
        return matches;
    }

    private void verifyCount(RequestPattern expected, Times times) {
        isNotNull();
        List<HttpFlow> matches = matching(expected);
        if (times.allows(matches.size())) {
            return;
        }
        if (matches.isEmpty()) {
            String wanted = times.equals(ApptapAssertions.atLeast(1)) ? "a flow" : times.describe();
            throw failure("%nExpecting %s matching:%n  %s%n%s", wanted, expected.describe("  "), whyNone(expected));
        }
        throw failure("%nExpecting %s matching:%n  %s%nbut found %s:%s", times.describe(), expected.describe("  "),
                      matches.size(), Lines.listing(matches, "  "));
    }

    private void verifyOrder(List<RequestPattern> patterns) {
        isNotNull();
        StringBuilder header = new StringBuilder("%nExpecting flows matching, in this order:");
        for (int i = 0; i < patterns.size(); i++) {
            header.append("%n  ").append(i + 1).append(". ").append(patterns.get(i).describe("     ")
                                                                              .replace("%", "%%"));
        }
        int after = -1;
        Flow previous = null;
        for (int i = 0; i < patterns.size(); i++) {
            RequestPattern pattern = patterns.get(i);
            int found = -1;
            for (int j = after + 1; j < actual.size(); j++) {
                if (pattern.matches(actual.get(j))) {
                    found = j;
                    break;
                }
            }
            if (found >= 0) {
                after = found;
                previous = actual.get(found);
                continue;
            }
            List<HttpFlow> anywhere = matching(pattern);
            if (anywhere.isEmpty()) {
                throw failure(header + "%nbut no flow matched pattern %s.%s", i + 1, nearMisses(pattern) + everyFlow());
            }
            String earlier = String.join(", ", anywhere.stream().map(f -> "#" + f.id()).toList());
            throw failure(header + "%nbut no flow matching pattern %s came after #%s, which matched pattern %s;"
                          + " %s matched pattern %s before it.%s",
                          i + 1, previous.id(), i, earlier, i + 1, everyFlow());
        }
    }

    /** Why nothing matched: nothing recorded, nothing in scope, or near misses; then every flow of the test. */
    private String whyNone(RequestPattern expected) {
        List<Flow> everything = source.everything();
        if (everything.isEmpty()) {
            return "but no flow was recorded; check that the app ran and that its traffic goes through apptap.";
        }
        if (actual.isEmpty()) {
            return "but no flow" + source.scopeText() + " was recorded." + everyFlow();
        }
        return "but no flow" + source.scopeText() + " matched it." + nearMisses(expected) + everyFlow();
    }

    /** The three HTTP flows nearest to {@code expected}, each as a field-by-field diff (WireMock's near misses). */
    private String nearMisses(RequestPattern expected) {
        record Near(HttpFlow flow, Comparison comparison) {
        }
        List<Near> closest = actual.stream()
                                   .filter(HttpFlow.class::isInstance)
                                   .map(f -> new Near((HttpFlow) f, expected.matcher().compare(((HttpFlow) f).request())))
                                   .sorted(Comparator.comparingDouble((Near n) -> n.comparison().distance())
                                                     .thenComparingLong(n -> n.flow().id()))
                                   .limit(3)
                                   .toList();
        if (closest.isEmpty()) {
            return "";
        }
        String n = System.lineSeparator();
        StringBuilder text = new StringBuilder(n).append(closest.size() == 1 ? "The closest flow:" : "The closest flows:");
        for (Near near : closest) {
            text.append(n).append("  ").append(Lines.line(near.flow()))
                .append(Lines.comparison(near.comparison(), "    "));
            if (TrustHint.rejected(near.flow())) {
                text.append(n).append("    ").append(TrustHint.forRejected(near.flow()));
            }
        }
        return text.toString();
    }

    private String everyFlow() {
        List<Flow> everything = source.everything();
        return System.lineSeparator() + (everything.size() == 1 ? "The only flow of the test:"
                : "All " + everything.size() + " flows of the test:") + Lines.listing(everything, "  ");
    }

    private void superHasSize(int expected) {
        super.hasSize(expected);
    }

    private void superIsEmpty() {
        super.isEmpty();
    }

    private void superIsNotEmpty() {
        super.isNotEmpty();
    }

    private void superHasSizeGreaterThanOrEqualTo(int boundary) {
        super.hasSizeGreaterThanOrEqualTo(boundary);
    }

    private void superAnySatisfy(Consumer<? super Flow> requirements) {
        super.anySatisfy(requirements);
    }

    private void superAllSatisfy(Consumer<? super Flow> requirements) {
        super.allSatisfy(requirements);
    }

    private void superNoneSatisfy(Consumer<? super Flow> restrictions) {
        super.noneSatisfy(restrictions);
    }

    private FlowAssert superSingleElement() {
        return super.singleElement();
    }

    private FlowAssert superFirst() {
        return super.first();
    }

    private FlowAssert superLast() {
        return super.last();
    }

    private FlowAssert superElement(int index) {
        return super.element(index);
    }
}
