package dev.apptap.proxy.rules;

import java.util.Objects;

/**
 * The second half of {@code stubs.on(matcher)}: say what to do and get the {@link Rule}. Nothing is added until one of
 * these methods is called.
 *
 * <pre>{@code
 * stubs.on(get("https://api.example.test/v1/items")).respond(respond(200).withBody("[]"));
 * stubs.on(anyRequestTo("api.example.test")).forwardTo("127.0.0.1", 8089);
 * stubs.on(post("https://api.example.test/v1/upload")).close();
 * }</pre>
 */
public final class OngoingRule {

    private final RuleSet rules;
    private final RequestMatcher matcher;

    OngoingRule(RuleSet rules, RequestMatcher matcher) {
        this.rules = rules;
        this.matcher = Objects.requireNonNull(matcher, "matcher");
    }

    /** Answer locally. */
    public Rule respond(Respond response) {
        return then(response);
    }

    /** Send to another upstream (plain or TLS, see {@link Actions#forwardToTls}). */
    public Rule forwardTo(Forward forward) {
        return then(forward);
    }

    /** Send to another upstream over plain HTTP. */
    public Rule forwardTo(String host, int port) {
        return then(Actions.forwardTo(host, port));
    }

    /** Close the app's connection instead of answering. */
    public Rule close() {
        return then(Actions.closeConnection());
    }

    /** Any action. */
    public Rule then(Action action) {
        return rules.add(matcher, action);
    }
}
