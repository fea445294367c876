package dev.apptap.flow;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Flows built by hand, shaped like what the engine publishes. */
final class TestFlows {

    static final ProcessInfo CURL = new ProcessInfo(4242, "curl", "/usr/bin/curl", List.of("curl", "-s"));
    static final ProcessInfo WGET = new ProcessInfo(4343, "wget", "/usr/bin/wget", List.of("wget"));
    static final Endpoint CLIENT = new Endpoint("127.0.0.1", 50000, "127.0.0.1");

    private TestFlows() {
    }

    static HttpFlow request(long id, ProcessInfo process, String method, String url) {
        HttpRequest request = new HttpRequest(method, url, "HTTP/1.1", Headers.of("Host", "api.example.test"),
                Body.EMPTY);
        return HttpFlow.started(id, Instant.parse("2025-01-01T00:00:00Z"), process, CLIENT,
                Endpoint.of("api.example.test", 443), Optional.empty(), request);
    }

    static HttpFlow get(long id, String path) {
        return request(id, CURL, "GET", "https://api.example.test" + path);
    }

    static HttpFlow answered(HttpFlow flow, int status, String body) {
        HttpResponse response = new HttpResponse(status, "OK", "HTTP/1.1", Headers.of("Content-Type", "text/plain"),
                Body.ofText(body, "text/plain"), Headers.EMPTY);
        return flow.withResponse(response)
                .withTimings(flow.timings().withRequestComplete(Duration.ofMillis(1))
                        .withResponseHeaders(Duration.ofMillis(5)).withResponseComplete(Duration.ofMillis(12)))
                .completed();
    }

    static TcpFlow tcp(long id, ProcessInfo process) {
        return TcpFlow.started(id, Instant.parse("2025-01-01T00:00:00Z"), process, CLIENT,
                Endpoint.of("db.example.test", 5432), Optional.empty());
    }
}
