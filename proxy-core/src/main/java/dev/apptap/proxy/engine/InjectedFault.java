package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import dev.apptap.proxy.rules.Fault;
import dev.apptap.proxy.rules.Rule;

/**
 * A rule's {@link Fault} for one exchange, as {@link RuleStep} hands it to a relay: the relay arms
 * {@link FaultInjector} (HTTP/1) or {@link Http2StreamFaults} (h2) with it, and they record on the flow what apptap
 * did in their protocol.
 */
final class InjectedFault {

    final Fault fault;
    private final HttpExchange exchange;
    private final Rule rule;
    private final String app;

    InjectedFault(Fault fault, HttpExchange exchange, Rule rule, String app) {
        this.fault = fault;
        this.exchange = exchange;
        this.rule = rule;
        this.app = app;
    }

    /** The app, for sentences: {@code curl (pid 42)}. */
    String app() {
        return app;
    }

    /** The request, for sentences: {@code GET https://api.example.test/x}. */
    String request() {
        return exchange.method() + " " + exchange.url();
    }

    /** Records on the flow that apptap did {@code what} ("reset the connection of curl …") because the rule asked. */
    void record(String what) {
        exchange.faulted(new FlowError(FlowError.Kind.FAULT, "apptap " + what + ", as the rule #" + rule.id() + " "
                + rule.matcher().describe() + " asked."));
    }
}
