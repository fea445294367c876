package dev.apptap.proxy.rules;

import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The second half of {@code stubs.on(matcher)}: say what to do and get the {@link Rule}. Nothing is added until one of
 * these methods is called.
 *
 * <pre>{@code
 * stubs.on(get("https://api.example.test/v1/items")).respond(respond(200).withBody("[]"));
 * stubs.on(anyRequestTo("api.example.test")).forwardTo("127.0.0.1", 8089);
 * stubs.on(post("https://api.example.test/v1/upload")).close();
 * stubs.on(get("https://api.example.test/v1/big")).passThroughWith(Fault.closeAfterBodyBytes(512));
 * stubs.on(get("https://api.example.test/v1/items/*")).respond(request -> respond(200).withBody(request.path()));
 * }</pre>
 */
public final class OngoingRule {

    private final RequestMatcher matcher;
    private final BiFunction<RequestMatcher, Action, Rule> add;

    private OngoingRule(RequestMatcher matcher, BiFunction<RequestMatcher, Action, Rule> add) {
        this.matcher = Objects.requireNonNull(matcher, "matcher");
        this.add = add;
    }

    static OngoingRule in(RuleSet rules, RequestMatcher matcher) {
        return new OngoingRule(matcher, rules::add);
    }

    /**
     * For front ends that keep track of the rules they add (the JUnit extension removes a test's rules when it
     * ends): the action given is handed to {@code add}, whose rule is returned.
     */
    public static OngoingRule adding(RequestMatcher matcher, BiFunction<RequestMatcher, Action, Rule> add) {
        return new OngoingRule(matcher, Objects.requireNonNull(add, "add"));
    }

    /** Answer locally. */
    public Rule respond(Respond response) {
        return then(response);
    }

    /**
     * Answer locally with what {@code function} computes from each request (see {@link Actions#respondWith}):
     * {@code .respond(request -> respondJson(201, Map.of("name", request.jsonAt("/name").orElse(""))))}.
     */
    public Rule respond(Function<RequestFacts, Respond> function) {
        return then(Actions.respondWith(function));
    }

    /** Answer with an {@link Answer}: a sequence ({@link Actions#respondInSequence}) or a {@link Replay}. */
    public Rule respond(Answer answer) {
        return then(answer);
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

    /**
     * Let the request through to where the app meant it to go, with a fault on the answer:
     * {@code .passThroughWith(Fault.hang())}. For a stub's or a route's answer use {@link Respond#withFault} or
     * {@link Forward#withFault}.
     */
    public Rule passThroughWith(Fault fault) {
        return then(Actions.passThroughWith(fault));
    }

    /** Any action. */
    public Rule then(Action action) {
        return add.apply(matcher, Objects.requireNonNull(action, "action"));
    }
}
