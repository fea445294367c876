package dev.apptap.assertions;

import dev.apptap.flow.Body;
import dev.apptap.flow.Endpoint;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.Headers;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.HttpRequest;
import dev.apptap.flow.HttpResponse;
import dev.apptap.flow.ProcessInfo;
import dev.apptap.flow.TcpFlow;
import dev.apptap.flow.TlsInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Flows built by hand, as the engine would publish them, so that every message can be checked to the letter. */
final class Fixtures {

    static final ProcessInfo CURL = new ProcessInfo(4242, "curl", "/usr/bin/curl", List.of("curl", "-s"));
    static final ProcessInfo PYTHON = new ProcessInfo(5151, "python3", "/usr/bin/python3", List.of("python3"));
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private Fixtures() {
    }

    static HttpBuilder http(long id, String method, String url) {
        return new HttpBuilder(id, method, url);
    }

    static TcpFlow tcp(long id, String host, int port) {
        return new TcpFlow(id, T0, CURL, Endpoint.of("127.0.0.1", 50000), Endpoint.of(host, port), Optional.empty(),
                           Body.of(new byte[3], ""), Body.EMPTY, Optional.of(Duration.ofMillis(5)), Optional.empty(),
                           true);
    }

    /** The AssertionError {@code call} throws; fails the test when it throws none. */
    static AssertionError expectAssertionError(ThrowingCallable call) {
        try {
            call.call();
        } catch (AssertionError e) {
            return e;
        } catch (Throwable e) {
            throw new IllegalStateException("Expected an AssertionError but got " + e, e);
        }
        throw new IllegalStateException("Expected an AssertionError but none was thrown.");
    }

    static final class HttpBuilder {
        private final long id;
        private final String method;
        private final String url;
        private final List<String> headers = new ArrayList<>();
        private Body body = Body.EMPTY;
        private ProcessInfo process = CURL;
        private Optional<HttpResponse> response = Optional.empty();
        private Optional<FlowError> error = Optional.empty();
        private Optional<TlsInfo> tls = Optional.empty();
        private boolean complete = true;

        HttpBuilder(long id, String method, String url) {
            this.id = id;
            this.method = method;
            this.url = url;
        }

        HttpBuilder header(String name, String value) {
            headers.add(name);
            headers.add(value);
            return this;
        }

        HttpBuilder body(String text, String contentType) {
            header("Content-Type", contentType);
            body = Body.ofText(text, contentType);
            return this;
        }

        HttpBuilder process(ProcessInfo newProcess) {
            process = newProcess;
            return this;
        }

        HttpBuilder respond(int status, String text, String... headerPairs) {
            response = Optional.of(new HttpResponse(status, "", "HTTP/1.1", Headers.of(headerPairs),
                                                    Body.ofText(text, "text/plain"), Headers.EMPTY));
            return this;
        }

        HttpBuilder tls(String sni, String alpn) {
            tls = Optional.of(new TlsInfo(sni, List.of("h2", "http/1.1"), alpn, "TLSv1.3", "TLS_AES_128_GCM_SHA256",
                                          false));
            return this;
        }

        HttpBuilder error(FlowError.Kind kind, String message) {
            error = Optional.of(new FlowError(kind, message));
            return this;
        }

        HttpBuilder running() {
            complete = false;
            return this;
        }

        HttpFlow build() {
            HttpRequest request = new HttpRequest(method, url, "HTTP/1.1", Headers.of(headers.toArray(String[]::new)),
                                                  body);
            return new HttpFlow(id, T0, process, Endpoint.of("127.0.0.1", 50000), Endpoint.of("api.example.test", 443),
                                tls, request, response, HttpFlow.Timings.NONE, error, complete);
        }
    }
}
