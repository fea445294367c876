package dev.apptap.proxy.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An answer computed for each request: from the request itself ({@link Actions#respondWith}), from a sequence of
 * responses ({@link Actions#respondInSequence}), or from a recorded HAR ({@link Replay}). The engine still gets an
 * ordinary {@link Respond} for each request, so stubs, sequences and replay travel the same path over HTTP/1.1 and
 * h2.
 *
 * <pre>{@code
 * stubs.on(post("https://api.example.test/users"))
 *      .respond(request -> respondJson(201, Map.of("name", request.jsonAt("/name").orElse("?"))));
 * stubs.on(get("https://api.example.test/flaky")).respond(respondInSequence(respond(503), respond(200).withBody("ok")));
 * stubs.on(anyRequest()).then(Replay.of(Path.of("src/test/resources/api.har")).answer());
 * }</pre>
 *
 * <p>An answer may decline a request (a function returning null, a replay asked to let unrecorded requests through):
 * the older rules then decide, or the request passes through. Answers run on the engine's event loop, so they must
 * not block.
 */
public final class Answer implements Action {

    /** How an answer decides one request; one per kind of answer. */
    interface Source {

        /** Stubbed or OfflineUnmatched to answer; PassThrough to decline. */
        Decision decide(Rule rule, RequestFacts request);

        /** Whether the engine must buffer the body before asking. */
        boolean needsBody();

        String describe();
    }

    private final Source source;

    Answer(Source source) {
        this.source = source;
    }

    /** Answers each request with what {@code function} returns for it; null declines. */
    static Answer computed(Function<RequestFacts, Respond> function) {
        Objects.requireNonNull(function, "function");
        return new Answer(new Computed(function));
    }

    /** The responses in order, one per request, then the last one again for every later request. */
    static Answer inSequence(Respond first, Respond... then) {
        List<Function<RequestFacts, Respond>> responses = new ArrayList<>(1 + then.length);
        responses.add(constant(Objects.requireNonNull(first, "first")));
        for (Respond next : then) {
            responses.add(constant(Objects.requireNonNull(next, "a response in the sequence")));
        }
        return new Answer(new Sequence(responses));
    }

    /** Like {@link #inSequence(Respond, Respond...)}, with responses computed from the request (CLI templates). */
    static Answer inSequence(List<? extends Function<RequestFacts, Respond>> responses) {
        if (responses.isEmpty()) {
            throw new IllegalArgumentException("a sequence needs at least one response");
        }
        return new Answer(new Sequence(List.copyOf(responses)));
    }

    private static Function<RequestFacts, Respond> constant(Respond response) {
        return new Constant(response);
    }

    /** A response that does not depend on the request; described as the response. */
    private record Constant(Respond response) implements Function<RequestFacts, Respond> {
        @Override
        public Respond apply(RequestFacts request) {
            return response;
        }

        @Override
        public String toString() {
            return response.describe();
        }
    }

    /** What to do with this request; {@link Decision.PassThrough} when this answer declines it. */
    Decision decide(Rule rule, RequestFacts request) {
        return source.decide(rule, request);
    }

    /** Whether the engine must buffer the body for this answer. */
    public boolean needsBody() {
        return source.needsBody();
    }

    @Override
    public String describe() {
        return source.describe();
    }

    @Override
    public String toString() {
        return describe();
    }

    /** A user's function of the request: it may read anything, the body included. */
    private record Computed(Function<RequestFacts, Respond> function) implements Source {

        @Override
        public Decision decide(Rule rule, RequestFacts request) {
            Respond response;
            try {
                response = function.apply(request);
            } catch (RuntimeException e) {
                // The app gets a 500 that says why, and the flow records it; an exception here would kill the connection.
                return new Decision.Stubbed(rule, Actions.respond(500).withBody("The answer of stub " + rule.describe()
                        + " threw " + e + " for " + request.method() + " " + request.url()
                        + "; fix the function given to respond(request -> ...).\n"));
            }
            return response == null ? Decision.PASS_THROUGH : new Decision.Stubbed(rule, response);
        }

        @Override
        public boolean needsBody() {
            return true;
        }

        @Override
        public String describe() {
            // A lambda's toString says nothing; a template or a constant describes itself.
            return function instanceof ResponseTemplate || function instanceof Constant ? function.toString()
                    : "respond computed from the request";
        }
    }

    /** Holds the index of the next response, which stops at the last. */
    private static final class Sequence implements Source {

        private final List<Function<RequestFacts, Respond>> responses;
        private final AtomicInteger answered = new AtomicInteger();

        Sequence(List<Function<RequestFacts, Respond>> responses) {
            this.responses = responses;
        }

        @Override
        public Decision decide(Rule rule, RequestFacts request) {
            int index = answered.getAndUpdate(n -> Math.min(n + 1, responses.size() - 1));
            return new Computed(responses.get(index)).decide(rule, request);
        }

        @Override
        public boolean needsBody() {
            return responses.stream().anyMatch(r -> !(r instanceof Constant));
        }

        @Override
        public String describe() {
            if (responses.size() == 1) {
                return responses.get(0).toString();
            }
            StringBuilder text = new StringBuilder(responses.get(0).toString());
            for (Function<RequestFacts, Respond> next : responses.subList(1, responses.size())) {
                text.append(", then ").append(next.toString().replaceFirst("^respond ", ""));
            }
            return text.append(", then the last again").toString();
        }
    }
}
