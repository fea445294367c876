package dev.apptap.proxy.flow;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One HTTP request and, once it arrived, its response.
 *
 * <pre>{@code
 * HttpFlow flow = store.awaitFirst(f -> f instanceof HttpFlow h && h.request().path().equals("/v1/login"),
 *         Duration.ofSeconds(5));
 * assert flow.response().orElseThrow().status() == 200;
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
 */
public record HttpFlow(long id, Instant startedAt, ProcessInfo process, Endpoint client, Endpoint server,
                       Optional<TlsInfo> tls, HttpRequest request, Optional<HttpResponse> response,
                       Timings timings, Optional<FlowError> error, boolean complete) implements Flow {

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
    }

    @Override
    public boolean isComplete() {
        return complete;
    }

    @Override
    public String summary() {
        StringBuilder line = new StringBuilder()
                .append(process.isKnown() ? process.name() : "?").append(' ')
                .append(request.method()).append(' ').append(request.url());
        if (error.isPresent()) {
            line.append(" ✗ ").append(error.get().message());
        } else if (response.isPresent()) {
            HttpResponse r = response.get();
            line.append(" → ").append(r.status()).append(" (").append(Sizes.describe(r.body().size()));
            timings.total().ifPresent(d -> line.append(", ").append(d.toMillis()).append(" ms"));
            line.append(')');
        } else {
            line.append(" → (waiting for the response)");
        }
        return line.toString();
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

        /** The time from the request's first byte to the response's last byte. */
        public Optional<Duration> total() {
            return responseComplete;
        }
    }
}
