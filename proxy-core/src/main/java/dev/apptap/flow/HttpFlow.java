package dev.apptap.flow;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One HTTP request and, once it arrived, its response.
 *
 * <pre>{@code
 * HttpFlow flow = store.since(mark).awaitFirst(HttpFlow.class,
 *         h -> h.request().path().equals("/v1/login") && h.isComplete(), Duration.ofSeconds(5));
 * assert flow.response().orElseThrow().status() == 200;
 * }</pre>
 *
 * <p>Engines build the next snapshot with the {@code with…} methods and {@link FlowStore#publish publish} it:
 * <pre>{@code
 * HttpFlow flow = HttpFlow.started(store.nextId(), Instant.now(), process, client, server, tls, request);
 * store.publish(flow);
 * flow = flow.withResponse(response).withTimings(flow.timings().withResponseHeaders(elapsed));
 * store.publish(flow);
 * store.publish(flow.withTimings(flow.timings().withResponseComplete(elapsed)).completed());
 * }</pre>
 *
 * @param id          see {@link Flow#id()}
 * @param startedAt   when the request's first line arrived
 * @param process     the app's process
 * @param client      the app's side of the connection
 * @param server      where the request was meant to go
 * @param tls         the app's TLS session, if any
 * @param request     the request as the app sent it
 * @param response    the response as the app received it, once its head arrived
 * @param timings     when each phase ended
 * @param error       why the exchange failed, if it did
 * @param complete    whether the exchange has ended
 * @param handling    who answered: the upstream, a stub, a route, or apptap in offline mode
 * @param webSocket   the WebSocket messages after a {@code 101 Switching Protocols}, in the order they passed;
 *                    the flow stays incomplete until the WebSocket closes
 */
public record HttpFlow(long id, Instant startedAt, ProcessInfo process, Endpoint client, Endpoint server,
                       Optional<TlsInfo> tls, HttpRequest request, Optional<HttpResponse> response,
                       Timings timings, Optional<FlowError> error, boolean complete, Handling handling,
                       List<WebSocketMessage> webSocket) implements Flow {

    /** A flow without WebSocket messages. */
    public HttpFlow(long id, Instant startedAt, ProcessInfo process, Endpoint client, Endpoint server,
                    Optional<TlsInfo> tls, HttpRequest request, Optional<HttpResponse> response,
                    Timings timings, Optional<FlowError> error, boolean complete, Handling handling) {
        this(id, startedAt, process, client, server, tls, request, response, timings, error, complete, handling,
                List.of());
    }

    /** A flow the upstream answered. */
    public HttpFlow(long id, Instant startedAt, ProcessInfo process, Endpoint client, Endpoint server,
                    Optional<TlsInfo> tls, HttpRequest request, Optional<HttpResponse> response,
                    Timings timings, Optional<FlowError> error, boolean complete) {
        this(id, startedAt, process, client, server, tls, request, response, timings, error, complete, Handling.UPSTREAM);
    }

    public HttpFlow {
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(timings, "timings");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(handling, "handling");
        webSocket = List.copyOf(webSocket);
    }

    /** The first snapshot of an exchange: the request arrived, nothing else happened yet. */
    public static HttpFlow started(long id, Instant startedAt, ProcessInfo process, Endpoint client, Endpoint server,
                                   Optional<TlsInfo> tls, HttpRequest request) {
        return new HttpFlow(id, startedAt, process, client, server, tls, request, Optional.empty(), Timings.NONE,
                Optional.empty(), false);
    }

    /** This snapshot with another request (its body grew, say). */
    public HttpFlow withRequest(HttpRequest newRequest) {
        return new HttpFlow(id, startedAt, process, client, server, tls, newRequest, response, timings, error,
                complete, handling, webSocket);
    }

    /** This snapshot with a response (its head arrived, or its body grew). */
    public HttpFlow withResponse(HttpResponse newResponse) {
        return new HttpFlow(id, startedAt, process, client, server, tls, request, Optional.of(newResponse), timings,
                error, complete, handling, webSocket);
    }

    public HttpFlow withTimings(Timings newTimings) {
        return new HttpFlow(id, startedAt, process, client, server, tls, request, response, newTimings, error,
                complete, handling, webSocket);
    }

    public HttpFlow withTls(TlsInfo newTls) {
        return new HttpFlow(id, startedAt, process, client, server, Optional.of(newTls), request, response, timings,
                error, complete, handling, webSocket);
    }

    /**
     * This snapshot with {@code newError}; not yet complete, so that the engine can still record timings: follow
     * with {@link #completed()}.
     */
    public HttpFlow withError(FlowError newError) {
        return new HttpFlow(id, startedAt, process, client, server, tls, request, response, timings,
                Optional.of(newError), complete, handling, webSocket);
    }

    /** This snapshot, marked complete: the last one the engine publishes for the exchange. */
    public HttpFlow completed() {
        return new HttpFlow(id, startedAt, process, client, server, tls, request, response, timings, error, true, handling, webSocket);
    }

    /** This snapshot, marked as answered by {@code newHandling}. */
    public HttpFlow withHandling(Handling newHandling) {
        return new HttpFlow(id, startedAt, process, client, server, tls, request, response, timings, error, complete,
                newHandling, webSocket);
    }

    /** Whether a stub answered (not the upstream, not a route). */
    public boolean isStubbed() {
        return handling.kind() == Handling.Kind.STUBBED;
    }

    /**
     * Who answered the request.
     *
     * @param kind the upstream the app meant, a stub, a route to another server, a rule that closed the
     *             connection, or apptap in offline mode when no stub matched
     * @param rule the rule that decided, as one line ({@code #2 POST https://api.example.test/v1/login → respond 200}),
     *             or an empty string
     */
    public record Handling(Kind kind, String rule) {

        /** The upstream answered, as if apptap were not there. */
        public static final Handling UPSTREAM = new Handling(Kind.UPSTREAM, "");

        public Handling {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(rule, "rule");
        }

        /** Who answered. */
        public enum Kind { UPSTREAM, STUBBED, ROUTED, CLOSED, OFFLINE }
    }

    /**
     * The fault a rule had apptap apply to this exchange (a reset, a cut-off body, a delay, …), as the sentence of
     * what apptap did: {@code apptap closed the connection of curl (pid 42) after 512 bytes of the response body to
     * GET https://api.example.test/x, as the rule #1 GET https://api.example.test/x asked.}
     */
    public Optional<FlowError> fault() {
        return error.filter(e -> e.kind() == FlowError.Kind.FAULT);
    }

    /** The response's status, or -1 while no response head arrived. */
    public int status() {
        return response.map(HttpResponse::status).orElse(-1);
    }

    @Override
    public boolean isComplete() {
        return complete;
    }

    /** The request's host, else what {@link Flow#host()} says. */
    @Override
    public String host() {
        String host = request.host();
        return host.isEmpty() ? Flow.super.host() : host;
    }

    @Override
    public String target() {
        return request.method() + " " + request.url();
    }

    @Override
    public long bytesSent() {
        return request.body().size();
    }

    @Override
    public long bytesReceived() {
        return response.map(r -> r.body().size()).orElse(0L);
    }

    /** {@link Timings#total()}. */
    @Override
    public Optional<Duration> duration() {
        return timings.total();
    }

    @Override
    public String summary() {
        return Summaries.of(this, line -> {
            if (response.isPresent()) {
                HttpResponse r = response.get();
                line.append(" → ").append(r.status()).append(" (").append(Sizes.describe(r.body().size()));
                timings.total().ifPresent(d -> line.append(", ").append(d.toMillis()).append(" ms"));
                line.append(')');
            } else {
                line.append(" → (waiting for the response)");
            }
        });
    }

    /**
     * When each phase of the exchange ended, relative to {@link #startedAt()}; empty while the phase runs.
     *
     * @param requestComplete      the app finished sending the request
     * @param responseHeaders      the response head reached apptap
     * @param responseComplete     the response's last byte was written to the app
     */
    public record Timings(Optional<Duration> requestComplete, Optional<Duration> responseHeaders,
                          Optional<Duration> responseComplete) {

        public static final Timings NONE = new Timings(Optional.empty(), Optional.empty(), Optional.empty());

        public Timings {
            Objects.requireNonNull(requestComplete, "requestComplete");
            Objects.requireNonNull(responseHeaders, "responseHeaders");
            Objects.requireNonNull(responseComplete, "responseComplete");
        }

        public Timings withRequestComplete(Duration sinceStart) {
            return new Timings(Optional.of(sinceStart), responseHeaders, responseComplete);
        }

        public Timings withResponseHeaders(Duration sinceStart) {
            return new Timings(requestComplete, Optional.of(sinceStart), responseComplete);
        }

        public Timings withResponseComplete(Duration sinceStart) {
            return new Timings(requestComplete, responseHeaders, Optional.of(sinceStart));
        }

        /** The time from the request's last byte to the response head: the upstream's think time, roughly. */
        public Optional<Duration> waiting() {
            return requestComplete.isPresent() && responseHeaders.isPresent()
                    ? Optional.of(responseHeaders.get().minus(requestComplete.get())) : Optional.empty();
        }

        /** The time from the request's first byte to the response's last byte. */
        public Optional<Duration> total() {
            return responseComplete;
        }
    }
}
