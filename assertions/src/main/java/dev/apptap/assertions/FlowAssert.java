package dev.apptap.assertions;

import dev.apptap.flow.UrlEncoded;
import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.HttpResponse;
import dev.apptap.flow.TlsInfo;
import dev.apptap.proxy.rules.Comparison;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.assertj.core.api.AbstractObjectAssert;

/**
 * Assertions on one flow: its request, its response, its TLS session, its process and how it ended. Obtain one
 * with {@link ApptapAssertions#assertThat(HttpFlow)} or by navigating from {@link FlowsAssert}.
 *
 * <pre>{@code
 * assertThat(flows).toHost("api.example.test").singleElement()
 *         .hasMethod("POST").hasPath("/v1/login").hasHeader("content-type", "application/json")
 *         .hasStatus(200).hasNoError()
 *         .usedTls().hasSni("api.example.test").hasAlpn("h2");
 * assertThat(flow).requestBody().jsonAt("/user").isEqualTo("alice");
 * assertThat(flow).wasRejectedByApp();   // curl refused apptap's certificate, as it should without the CA
 * }</pre>
 *
 * <p>The request and response checks need an {@link HttpFlow}; on any other kind of flow they fail and say what
 * the flow was. A flow reached through {@link FlowsAssert#within(Duration)} retries every check of this class on
 * the flow's latest snapshot, so that {@code hasStatus} can wait for the response.
 */
public class FlowAssert extends AbstractObjectAssert<FlowAssert, Flow> {

    private final Source source;
    private final Duration patience;

    /** Asserts on {@code flow}; public for AssertJ's soft assertion proxies. */
    public FlowAssert(Flow flow) {
        this(flow, Source.fixed(flow == null ? List.of() : List.of(flow)), null);
    }

    FlowAssert(Flow flow, Source source, Duration patience) {
        super(flow, FlowAssert.class);
        this.source = source;
        this.patience = patience;
        info.useRepresentation(FlowRepresentation.INSTANCE);
    }

    // ---- kind, process, end ----

    /** The flow is an HTTP exchange (not a bare TCP connection). */
    public FlowAssert isHttp() {
        return check(FlowAssert::http);
    }

    /** The flow was opened by a process whose executable's file name is {@code name}. */
    public FlowAssert fromProcess(String name) {
        Objects.requireNonNull(name, "name");
        return check(s -> s.expect("process", name, s.actual.process().name(), s.actual.process().describe()));
    }

    /** The exchange has ended, normally or with an error. */
    public FlowAssert isComplete() {
        return check(s -> {
            s.isNotNull();
            if (!s.actual.isComplete()) {
                throw s.failure("%nExpecting flow:%n  %s%nto be complete, but it was still running.%s",
                                Lines.line(s.actual), s.hint());
            }
        });
    }

    /** The flow did not fail. */
    public FlowAssert hasNoError() {
        return check(s -> {
            s.isNotNull();
            if (s.actual.error().isPresent()) {
                FlowError error = s.actual.error().get();
                throw s.failure("%nExpecting flow:%n  %s%nto have no error, but it failed with %s:%n  %s%s",
                                Lines.line(s.actual), error.kind(), error.message(), s.hint());
            }
        });
    }

    /** The flow failed with an error of {@code kind}. */
    public FlowAssert failedWith(FlowError.Kind kind) {
        Objects.requireNonNull(kind, "kind");
        return check(s -> {
            s.isNotNull();
            FlowError.Kind actualKind = s.actual.error().map(FlowError::kind).orElse(null);
            if (actualKind != kind) {
                throw s.failureWithActualExpected(actualKind, kind,
                        "%nExpecting flow:%n  %s%nto have failed with:%n  %s%nbut %s",
                        Lines.line(s.actual), kind, s.actual.error()
                                .map(e -> "it failed with " + e.kind() + ": " + e.message())
                                .orElse(s.actual.isComplete() ? "it did not fail." : "it has not failed (yet)."));
            }
        });
    }

    /**
     * The app refused apptap's certificate ({@link FlowError.Kind#CLIENT_REJECTED_CERTIFICATE}): for tests that
     * prove an app pins certificates or checks its trust store.
     */
    public FlowAssert wasRejectedByApp() {
        return check(s -> {
            s.isNotNull();
            if (!TrustHint.rejected(s.actual)) {
                throw s.failure("%nExpecting %s to have rejected apptap's certificate for %s in flow:%n  %s%n"
                                + "but %s", s.actual.process().describe(), s.actual.host(),
                                Lines.line(s.actual), s.actual.error()
                                        .map(e -> "the flow failed with " + e.kind() + " instead: " + e.message())
                                        .orElse(s.actual.tls().isPresent()
                                                ? "it accepted the certificate: it trusts apptap's CA."
                                                : "the flow did not use TLS."));
            }
        });
    }

    // ---- TLS ----

    /** The app spoke TLS with apptap. */
    public FlowAssert usedTls() {
        return check(s -> s.tls());
    }

    /** The app sent {@code sni} as the TLS server name. */
    public FlowAssert hasSni(String sni) {
        Objects.requireNonNull(sni, "sni");
        return check(s -> s.expect("SNI", sni, s.tls().sni(), s.tls().sni()));
    }

    /** The app and apptap agreed on the ALPN protocol {@code alpn} ({@code h2}, {@code http/1.1}). */
    public FlowAssert hasAlpn(String alpn) {
        Objects.requireNonNull(alpn, "alpn");
        return check(s -> s.expect("ALPN protocol", alpn, s.tls().alpn(), s.tls().alpn()));
    }

    // ---- request ----

    /**
     * The flow's request matches {@code expected}; when it does not, the message shows it field by field, as a
     * near miss of {@link FlowsAssert#hasRequest(RequestPattern)} does.
     *
     * <pre>{@code
     * assertThat(flows).within(Duration.ofSeconds(5)).last().matches(post("/v1/login").withJsonPath("$.user", "ann"));
     * }</pre>
     */
    public FlowAssert matches(RequestPattern expected) {
        Objects.requireNonNull(expected, "expected");
        return check(s -> {
            Comparison comparison = expected.matcher().compare(s.http().request());
            if (!comparison.matches()) {
                throw s.failure("%nExpecting flow:%n  %s%nto match:%n  %s%nbut:%s%s", Lines.line(s.actual),
                                expected.describe("  "), Lines.comparison(comparison, "  "), s.hint());
            }
        });
    }

    /** The request's method, compared exactly ({@code POST}). */
    public FlowAssert hasMethod(String method) {
        Objects.requireNonNull(method, "method");
        return check(s -> s.expect("method", method, s.http().request().method(), s.http().request().method()));
    }

    /** The request's absolute URL, compared exactly. */
    public FlowAssert hasUrl(String url) {
        Objects.requireNonNull(url, "url");
        return check(s -> s.expect("URL", url, s.http().request().url(), s.http().request().url()));
    }

    /** The URL's host, in any case. */
    public FlowAssert hasHost(String host) {
        Objects.requireNonNull(host, "host");
        return check(s -> {
            String actualHost = s.http().request().host();
            s.expect("host", host, actualHost.equalsIgnoreCase(host) ? host : actualHost, actualHost);
        });
    }

    /** The URL's path, without the query ({@code /v1/items}). */
    public FlowAssert hasPath(String path) {
        Objects.requireNonNull(path, "path");
        return check(s -> s.expect("path", path, s.http().request().path(), s.http().request().path()));
    }

    /** The query has a parameter {@code name} with {@code value} (both decoded) among its values. */
    public FlowAssert hasQueryParam(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        return check(s -> s.expectAmong("query parameter", name, value,
                                        UrlEncoded.values(s.http().request().query(), name)));
    }

    /** The request has a header {@code name} (any case) with exactly {@code value} among its values. */
    public FlowAssert hasHeader(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        return check(s -> s.expectAmong("request header", name, value, s.http().request().headers().all(name)));
    }

    /** The decoded request body, as text, is {@code text}. */
    public FlowAssert hasRequestBody(String text) {
        Objects.requireNonNull(text, "text");
        return check(s -> s.requestBodyNow().hasText(text));
    }

    /** Assertions on the request body, as text, bytes, JSON or form fields. */
    public BodyAssert requestBody() {
        isNotNull();
        return requestBodyNow();
    }

    // ---- response ----

    /** The response's status code. */
    public FlowAssert hasStatus(int status) {
        return check(s -> {
            HttpResponse response = s.response("status");
            s.expect("status", status, response.status(), response.status());
        });
    }

    /** The response has a header {@code name} (any case) with exactly {@code value} among its values. */
    public FlowAssert hasResponseHeader(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        return check(s -> s.expectAmong("response header", name, value,
                                        s.response("header " + Lines.quote(name)).headers().all(name)));
    }

    /** Assertions on the response body; fails when no response arrived. */
    public BodyAssert responseBody() {
        HttpResponse response = response("body");
        return new BodyAssert(response.body(), "response body of flow", actual);
    }

    // ---- internals ----

    /** This assert, retrying its checks on the latest snapshot of its flow for up to {@code newPatience}. */
    FlowAssert waiting(Duration newPatience) {
        FlowAssert copy = new FlowAssert(actual, source, newPatience);
        copy.info = info;
        return copy;
    }

    private FlowAssert check(Consumer<FlowAssert> action) {
        if (patience == null || source.live().isEmpty()) {
            action.accept(this);
        } else {
            Waiting.until(source.live().get(), patience, () -> {
                FlowAssert latest = new FlowAssert(source.latest(actual), source, null);
                latest.info = info;
                action.accept(latest);
            });
        }
        return myself;
    }

    private BodyAssert requestBodyNow() {
        return new BodyAssert(http().request().body(), "request body of flow", actual);
    }

    private HttpFlow http() {
        isNotNull();
        if (actual instanceof HttpFlow http) {
            return http;
        }
        throw failure("%nExpecting flow:%n  %s%nto be an HTTP flow, but it was a %s.", Lines.line(actual),
                      actual.getClass().getSimpleName());
    }

    private TlsInfo tls() {
        isNotNull();
        return actual.tls().orElseThrow(() -> failure("%nExpecting flow:%n  %s%nto use TLS, but it did not.",
                                                      Lines.line(actual)));
    }

    private HttpResponse response(String what) {
        HttpFlow http = http();
        return http.response().orElseThrow(() -> failure(
                "%nExpecting flow:%n  %s%nto have a response %s, but no response arrived%s.%s", Lines.line(actual),
                what, http.isComplete() ? "" : " (yet)", hint()));
    }

    /** {@code expected} and {@code actualValue} compared with equals; {@code shown} is what the message prints. */
    private void expect(String what, Object expected, Object actualValue, Object shown) {
        if (!Objects.equals(expected, actualValue)) {
            throw failureWithActualExpected(shown, expected,
                    "%nExpecting flow:%n  %s%nto have %s:%n  %s%nbut had:%n  %s%s", Lines.line(actual), what,
                    render(expected), render(shown), hint());
        }
    }

    private void expectAmong(String what, String name, String expected, List<String> values) {
        if (values.contains(expected)) {
            return;
        }
        if (values.isEmpty()) {
            throw failure("%nExpecting flow:%n  %s%nto have %s %s with value:%n  %s%nbut it had no such %s.%s",
                          Lines.line(actual), what, Lines.quote(name), Lines.quote(expected), what, hint());
        }
        Object shown = values.size() == 1 ? values.get(0) : values;
        throw failureWithActualExpected(shown, expected,
                "%nExpecting flow:%n  %s%nto have %s %s with value:%n  %s%nbut had:%n  %s%s", Lines.line(actual),
                what, Lines.quote(name), Lines.quote(expected), render(shown), hint());
    }

    private String render(Object value) {
        return info.representation().toStringOf(value);
    }

    /** Why a check on a flow whose app refused the certificate failed, and the fix; else nothing. */
    private String hint() {
        return TrustHint.rejected(actual) ? System.lineSeparator() + TrustHint.forRejected(actual) : "";
    }
}
