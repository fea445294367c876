package dev.apptap.proxy.rules;

import java.util.List;
import java.util.Optional;

/**
 * What the engine does with one request, as {@link RuleSet#decide} found it.
 *
 * <pre>{@code
 * Decision decision = rules.decide(facts);
 * if (decision instanceof Decision.Stubbed stubbed) {
 *     answerLocally(stubbed.response());            // record the flow as stubbed by stubbed.rule()
 * } else if (decision instanceof Decision.Routed routed) {
 *     connectTo(routed.forward());                  // record the flow as routed by routed.rule()
 * } else if (decision instanceof Decision.Faulted faulted) {
 *     connectToOriginalDestination();               // and apply faulted.fault() to the answer
 * } else if (decision instanceof Decision.Closed) {
 *     closeClient();                                // h2: reset the stream
 * } else if (decision instanceof Decision.OfflineUnmatched offline) {
 *     answerLocally(offline.response());            // 502 with offline.body(); nothing leaves the machine
 * } else {
 *     connectToOriginalDestination();               // Decision.PassThrough
 * }
 * }</pre>
 */
public sealed interface Decision {

    /** Nothing matched and apptap is online: send the request where the app meant it to go. */
    PassThrough PASS_THROUGH = new PassThrough();

    /** The rule that decided, if one did. */
    default Optional<Rule> matchedRule() {
        return Optional.empty();
    }

    /** A rule answers the request locally with {@code response}. */
    record Stubbed(Rule rule, Respond response) implements Decision {
        @Override
        public Optional<Rule> matchedRule() {
            return Optional.of(rule);
        }
    }

    /** A rule sends the request to another upstream. */
    record Routed(Rule rule, Forward forward) implements Decision {
        @Override
        public Optional<Rule> matchedRule() {
            return Optional.of(rule);
        }
    }

    /** A rule lets the request through to where the app meant it to go, with a fault on the way back. */
    record Faulted(Rule rule, Fault fault) implements Decision {
        @Override
        public Optional<Rule> matchedRule() {
            return Optional.of(rule);
        }
    }

    /** A rule closes the app's connection (over h2: resets the stream). */
    record Closed(Rule rule) implements Decision {
        @Override
        public Optional<Rule> matchedRule() {
            return Optional.of(rule);
        }
    }

    /**
     * apptap is offline and no rule matched: answer {@value #STATUS} with {@link #body()}, and let nothing leave the
     * machine.
     *
     * @param sentence names the method and URL and shows the stub that would have matched, e.g. {@code apptap is
     *                 offline and no stub matched POST https://api.example.test/v1/login; add one with
     *                 stubs.on(post("https://api.example.test/v1/login")).respond(...).}
     * @param closest  the rules closest to matching, closest first (at most three)
     */
    record OfflineUnmatched(String sentence, List<NearMiss> closest) implements Decision {

        public static final int STATUS = 502;

        public OfflineUnmatched {
            closest = List.copyOf(closest);
        }

        /** The sentence, then the closest rules with what differed. */
        public String body() {
            if (closest.isEmpty()) {
                return sentence + "\n";
            }
            StringBuilder body = new StringBuilder(sentence).append("\n\nClosest rules:");
            for (NearMiss miss : closest) {
                body.append("\n").append(miss.explain());
            }
            return body.append('\n').toString();
        }

        /** The 502 to send, as a stub response. */
        public Respond response() {
            return Actions.respond(STATUS).withBody(body());
        }
    }

    /** No rule matched and apptap is online. */
    record PassThrough() implements Decision {
    }
}
