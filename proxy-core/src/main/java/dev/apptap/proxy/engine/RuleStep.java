package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.rules.Decision;
import dev.apptap.proxy.rules.Fault;
import dev.apptap.proxy.rules.Forward;
import dev.apptap.proxy.rules.RequestFacts;
import dev.apptap.proxy.rules.Respond;
import dev.apptap.proxy.rules.Rule;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.rules.WebSocketScript;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one rule step of both HTTP relays, as mitmproxy's {@code HttpStream} serves HTTP/1, 2 and 3 with one hook
 * sequence: given a request head (and its body, when a rule looks at it), the rule set decides, the exchange records
 * who handles it, and the relay gets an {@link Outcome} that it only has to frame in its own protocol.
 *
 * <pre>{@code
 * RuleStep step = new RuleStep(connection, RuleStep.CLOSES_CONNECTION);
 * RequestFacts head = RuleStep.head("GET", "https://api.example.test/v1", headers);
 * Outcome outcome = step.decide(head, exchange);   // Relay, Route, Answer or Close
 * }</pre>
 *
 * <p>The step sees parsed facts, not Netty's codec objects, so a relay that forwards bytes and parses on the side can
 * take it too. A new kind of rule action is one more case in {@link #decide}.
 */
final class RuleStep {

    /** How an HTTP/1 relay ends a request a rule closes. */
    static final String CLOSES_CONNECTION = "closed the connection";
    /** How an HTTP/2 relay ends a request a rule closes. */
    static final String RESETS_STREAM = "reset the HTTP/2 stream";

    private final ConnectionContext connection;
    private final RuleSet rules;
    private final String closing;

    /** @param closing what closing a request does in the relay's protocol, for the flow's error sentence */
    RuleStep(ConnectionContext connection, String closing) {
        this.connection = connection;
        this.rules = connection.runtime.settings().rules();
        this.closing = closing;
    }

    /** What the relay does with one request. */
    sealed interface Outcome {
        /** No rule took the request: send it where the app meant it to go. */
        Relay RELAY = new Relay(null);

        /** The fault to arm for the response ({@link FaultInjector#arm}), or {@code null} for none. */
        default InjectedFault fault() {
            return null;
        }
    }

    /** Send the request where the app meant it to go (with a rule's fault on the answer, if {@code fault} is set). */
    record Relay(InjectedFault fault) implements Outcome {
    }

    /** Send the request to {@code target}, with {@code hostHeader} (and h2 {@code :authority}) instead of the app's. */
    record Route(UpstreamTarget target, Optional<String> hostHeader, InjectedFault fault) implements Outcome {
        Route(UpstreamTarget target, Optional<String> hostHeader) {
            this(target, hostHeader, null);
        }
    }

    /**
     * Answer the app locally, once its request body is in and {@code delay} has passed.
     *
     * @param error     the flow's error when the answer is one (offline 502), else {@code null}
     * @param trailers  trailing headers after the body (gRPC's status); empty for most answers
     * @param webSocket the WebSocket apptap plays after answering an upgrade with 101 (HTTP/1.1), else {@code null}
     * @param fault     what apptap does to the answer on the wire (a rule's fault), else {@code null}
     */
    record Answer(int status, List<Map.Entry<String, String>> headers, byte[] body, FlowError error, Duration delay,
                  List<Map.Entry<String, String>> trailers, WebSocketScript webSocket, InjectedFault fault)
            implements Outcome {

        Answer(int status, List<Map.Entry<String, String>> headers, byte[] body, FlowError error, Duration delay,
               List<Map.Entry<String, String>> trailers) {
            this(status, headers, body, error, delay, trailers, null, null);
        }

        /** apptap's own error answer: plain text whose body is the error's sentence. */
        static Answer ofError(int status, FlowError error) {
            return new Answer(status, List.of(Map.entry("Content-Type", "text/plain; charset=utf-8"),
                    Map.entry("X-Apptap-Error", "true")), (error.message() + "\n").getBytes(StandardCharsets.UTF_8),
                    error, Duration.ZERO, List.of(), null, null);
        }

        /** This answer with a rule's fault on the wire. */
        Answer withFault(InjectedFault injected) {
            return new Answer(status, headers, body, error, delay, trailers, webSocket, injected);
        }

        /** Runs {@code send} on {@code loop} once the delay has passed (at once when there is none). */
        void afterDelay(ScheduledExecutorService loop, Runnable send) {
            if (delay.isZero()) {
                send.run();
            } else {
                loop.schedule(send, delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** End the request without an answer (HTTP/1: close the connection; h2: reset the stream). */
    record Close(FlowError error) implements Outcome {
    }

    /** Whether no rule could change anything, so the relay may skip the facts and hold nothing back. */
    boolean passesEverything() {
        return rules.isEmpty();
    }

    /** Whether the rules must see the body before deciding on a request with this head. */
    boolean needsBody(RequestFacts head) {
        return rules.needsBody(head);
    }

    /** The body the rules look at: up to the recording limit, copied as it arrives. */
    BodyForRules bodyFor(RequestFacts head) {
        return new BodyForRules(head, connection.runtime.settings().bodyLimit());
    }

    /**
     * Decides what happens to {@code request} and records on {@code exchange} who handles it.
     *
     * @param request the head, plus the body when {@link #needsBody} said so
     */
    Outcome decide(RequestFacts request, HttpExchange exchange) {
        Decision decision = rules.decide(request);
        if (decision instanceof Decision.Stubbed stubbed) {
            exchange.handledBy(handling(HttpFlow.Handling.Kind.STUBBED, stubbed.rule()));
            Answer answer = answer(stubbed.response(), null);
            return stubbed.response().fault().map(f -> answer.withFault(injected(f, stubbed.rule(), exchange)))
                    .orElse(answer);
        }
        if (decision instanceof Decision.OfflineUnmatched offline) {
            exchange.handledBy(handling(HttpFlow.Handling.Kind.OFFLINE, null));
            return answer(offline.response(), new FlowError(FlowError.Kind.NO_STUB_MATCHED, offline.sentence()));
        }
        if (decision instanceof Decision.Closed closed) {
            exchange.handledBy(handling(HttpFlow.Handling.Kind.CLOSED, closed.rule()));
            return new Close(new FlowError(FlowError.Kind.CLOSED_BY_RULE, "The rule " + closed.rule().describe()
                    + " " + closing + " of " + connection.process.describe() + " instead of answering "
                    + exchange.method() + " " + exchange.url() + "."));
        }
        if (decision instanceof Decision.Routed routed) {
            exchange.handledBy(handling(HttpFlow.Handling.Kind.ROUTED, routed.rule()));
            return new Route(target(routed.forward()), routed.forward().hostHeader(),
                    routed.forward().fault().map(f -> injected(f, routed.rule(), exchange)).orElse(null));
        }
        if (decision instanceof Decision.Faulted faulted) {
            exchange.handledBy(handling(HttpFlow.Handling.Kind.UPSTREAM, faulted.rule()));
            return new Relay(injected(faulted.fault(), faulted.rule(), exchange));
        }
        return Outcome.RELAY;
    }

    private InjectedFault injected(Fault fault, Rule rule, HttpExchange exchange) {
        return new InjectedFault(fault, exchange, rule, connection.process.describe());
    }

    /** The facts a rule set decides on, from the request's URL and header fields (the body is added if needed). */
    static RequestFacts head(String method, String url,
                             Iterable<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> headers) {
        URI uri = URI.create(url);
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        for (Map.Entry<? extends CharSequence, ? extends CharSequence> field : headers) {
            String name = field.getKey().toString();
            if (!name.startsWith(":")) {
                fields.add(Map.entry(name, field.getValue().toString()));
            }
        }
        String host = uri.getHost() == null ? "" : uri.getHost();
        return RequestFacts.head(method, https ? "https" : "http", host, port,
                uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath(),
                uri.getRawQuery() == null ? "" : uri.getRawQuery(), fields);
    }

    /** A route's upstream speaks HTTP/1.1 (as WireMock and most local servers do), with the route's own TLS trust. */
    static UpstreamTarget target(Forward forward) {
        return new UpstreamTarget(forward.host(), forward.port(), null, forward.tls(),
                UpstreamTarget.only(forward.tls() ? "http/1.1" : ""), forward.trustedCertificates(), forward.isInsecure());
    }

    /** A stub's answer; a body file is read per request, so it may change between requests. */
    private static Answer answer(Respond stub, FlowError error) {
        return new Answer(stub.status(), stub.headers(), body(stub), error, stub.delay(), stub.trailers(),
                stub.webSocket(), null);
    }

    private static byte[] body(Respond respond) {
        if (respond.content() instanceof Respond.Content.Inline inline) {
            return inline.bytes();
        }
        Respond.Content.FromFile file = (Respond.Content.FromFile) respond.content();
        try {
            return Files.readAllBytes(file.path());
        } catch (IOException e) {
            throw new UncheckedIOException("apptap could not read the stub body file " + file.path() + ": "
                    + e.getMessage() + "; check that it still exists.", e);
        }
    }

    private static HttpFlow.Handling handling(HttpFlow.Handling.Kind kind, Rule rule) {
        return new HttpFlow.Handling(kind, rule == null ? "" : rule.describe());
    }

    /** A request held back until its body is in (or the recording limit is), because a rule looks at the body. */
    static final class BodyForRules {
        private final RequestFacts head;
        private final int limit;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        private BodyForRules(RequestFacts head, int limit) {
            this.head = head;
            this.limit = limit;
        }

        /** Copies what fits of {@code content}; true once the rules can decide. */
        boolean add(ByteBuf content, boolean last) {
            int take = Math.min(content.readableBytes(), limit - bytes.size());
            if (take > 0) {
                byte[] copy = new byte[take];
                content.getBytes(content.readerIndex(), copy);
                bytes.write(copy, 0, take);
            }
            return last || bytes.size() >= limit;
        }

        /** The head with the body copied so far. */
        RequestFacts request() {
            return head.withBody(bytes.toByteArray());
        }
    }
}
