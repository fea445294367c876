package dev.apptap.assertions;

import dev.apptap.flow.Flow;
import dev.apptap.flow.Flows;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where an assert's flows come from: a live {@link Flows} view (re-read on every retry) or a fixed list, with the
 * narrowing applied so far. Keeping the unnarrowed flows at hand lets a failure list every flow of the test, not only
 * the ones a filter kept: the flow the test wanted is often the one the filter threw away.
 */
final class Source {

    private final Flows live;
    private final List<Flow> fixed;
    private final Predicate<Flow> scope;
    private final String scopeText;

    private Source(Flows live, List<Flow> fixed, Predicate<Flow> scope, String scopeText) {
        this.live = live;
        this.fixed = fixed;
        this.scope = scope;
        this.scopeText = scopeText;
    }

    static Source live(Flows flows) {
        return new Source(flows, null, f -> true, "");
    }

    static Source fixed(List<? extends Flow> flows) {
        return new Source(null, List.copyOf(flows), f -> true, "");
    }

    /** This source, keeping only the flows that satisfy {@code condition}; {@code text} says how, in messages. */
    Source narrow(String text, Predicate<? super Flow> condition) {
        Predicate<Flow> outer = scope;
        return new Source(live, fixed, f -> outer.test(f) && condition.test(f), scopeText + " " + text);
    }

    /** Every flow of the test, before any narrowing. */
    List<Flow> everything() {
        return live != null ? live.flows() : fixed;
    }

    List<Flow> inScope() {
        return everything().stream().filter(scope).toList();
    }

    /** {@code ""}, or {@code " from process "curl" to host "api.example.test""}. */
    String scopeText() {
        return scopeText;
    }

    Optional<Flows> live() {
        return Optional.ofNullable(live);
    }

    /** The newest snapshot of {@code flow}, which may have grown a response since it was read. */
    Flow latest(Flow flow) {
        for (Flow candidate : everything()) {
            if (candidate.id() == flow.id()) {
                return candidate;
            }
        }
        return flow;
    }
}
