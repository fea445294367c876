package dev.apptap.proxy.rules;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A matcher and its action inside a {@link RuleSet}, as returned by {@code on(…).respond(…)}: keep it to remove the
 * rule later, or to check that the app used it.
 *
 * <pre>{@code
 * Rule login = stubs.on(post("https://api.example.test/v1/login")).respond(respondJson(200, "{}"));
 * // … run the app …
 * assertThat(login.hits()).as(login.describe()).isEqualTo(1);
 * login.remove();
 * }</pre>
 */
public final class Rule {

    private final RuleSet owner;
    private final long id;
    private final RequestMatcher matcher;
    private final Action action;
    private final AtomicLong hits = new AtomicLong();

    Rule(RuleSet owner, long id, RequestMatcher matcher, Action action) {
        this.owner = owner;
        this.id = id;
        this.matcher = matcher;
        this.action = action;
    }

    /** The rule's number in its rule set, counting from 1 in the order rules were added. */
    public long id() {
        return id;
    }

    public RequestMatcher matcher() {
        return matcher;
    }

    public Action action() {
        return action;
    }

    /** How many requests this rule has decided so far (only the winning rule of a decision counts it). */
    public long hits() {
        return hits.get();
    }

    /**
     * Takes the rule out of its rule set; requests decided from now on no longer see it (one being decided at this
     * moment may still get it).
     *
     * @return whether the rule was still in its rule set
     */
    public boolean remove() {
        return owner.remove(this);
    }

    /** Whether the rule is still in its rule set. */
    public boolean isActive() {
        return owner.contains(this);
    }

    /** {@code #2 POST https://api.example.test/v1/login → respond 200 (2 B application/json)}. */
    public String describe() {
        return "#" + id + " " + matcher.describe() + " → " + action.describe();
    }

    @Override
    public String toString() {
        return describe();
    }

    void hit() {
        hits.incrementAndGet();
    }
}
