package dev.apptap.assertions;

import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.assertions.ApptapAssertions.post;
import static dev.apptap.assertions.Fixtures.expectAssertionError;
import static dev.apptap.assertions.Fixtures.http;
import static dev.apptap.assertions.Fixtures.tcp;
import static org.assertj.core.api.BDDAssertions.then;

import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

class FlowAssertTest {

    static final HttpFlow LOGIN = http(7, "POST", "https://api.example.test/v1/login?lang=en&tag=a&tag=b%20c")
            .header("X-Trace", "1").header("x-trace", "2")
            .body("{\"user\":\"alice\"}", "application/json")
            .tls("api.example.test", "h2")
            .respond(200, "welcome", "Cache-Control", "no-store")
            .build();
    static final String LOGIN_LINE = "#7 curl POST https://api.example.test/v1/login?lang=en&tag=a&tag=b%20c → 200 (7 B)";
    static final HttpFlow PLAIN = http(8, "GET", "http://api.example.test/").running().build();
    static final String PLAIN_LINE = "#8 curl GET http://api.example.test/ → (waiting for the response)";
    static final HttpFlow REJECTED = http(9, "GET", "https://api.example.test/v1/items")
            .tls("api.example.test", "")
            .error(FlowError.Kind.CLIENT_REJECTED_CERTIFICATE, "curl rejected the certificate for api.example.test.")
            .build();
    static final Flow DB = tcp(3, "db.example.test", 5432);

    @Test
    void should_pass_on_every_fact_of_a_matching_flow() {
        assertThat(LOGIN).isHttp().hasMethod("POST").hasHost("API.example.test").hasPath("/v1/login")
                         .hasUrl("https://api.example.test/v1/login?lang=en&tag=a&tag=b%20c")
                         .hasQueryParam("tag", "b c").hasQueryParam("lang", "en")
                         .hasHeader("x-TRACE", "2").hasHeader("content-type", "application/json")
                         .hasRequestBody("{\"user\":\"alice\"}")
                         .hasStatus(200).hasResponseHeader("cache-control", "no-store")
                         .isComplete().hasNoError().usedTls().hasSni("api.example.test").hasAlpn("h2")
                         .fromProcess("curl");
        assertThat(LOGIN).responseBody().hasText("welcome");
        assertThat(REJECTED).wasRejectedByApp().failedWith(FlowError.Kind.CLIENT_REJECTED_CERTIFICATE);
    }

    @Test
    void should_fail_if_the_method_differs_with_expected_and_actual_for_ides() {
        // WHEN
        AssertionError error = expectAssertionError(() -> assertThat(LOGIN).hasMethod("GET"));
        // THEN
        then(error).hasMessage("""

                Expecting flow:
                  %s
                to have method:
                  "GET"
                but had:
                  "POST\"""".formatted(LOGIN_LINE));
        then(error).isInstanceOf(AssertionFailedError.class);
        then(((AssertionFailedError) error).getExpected().getValue()).isEqualTo("GET");
        then(((AssertionFailedError) error).getActual().getValue()).isEqualTo("POST");
    }

    @Test
    void should_fail_if_the_url_differs() {
        then(expectAssertionError(() -> assertThat(PLAIN).hasUrl("http://api.example.test/x"))).hasMessage("""

                Expecting flow:
                  %s
                to have URL:
                  "http://api.example.test/x"
                but had:
                  "http://api.example.test/\"""".formatted(PLAIN_LINE));
    }

    @Test
    void should_fail_if_the_host_differs() {
        then(expectAssertionError(() -> assertThat(PLAIN).hasHost("example.test"))).hasMessage("""

                Expecting flow:
                  %s
                to have host:
                  "example.test"
                but had:
                  "api.example.test\"""".formatted(PLAIN_LINE));
    }

    @Test
    void should_fail_if_the_path_differs() {
        then(expectAssertionError(() -> assertThat(PLAIN).hasPath("/v1"))).hasMessage("""

                Expecting flow:
                  %s
                to have path:
                  "/v1"
                but had:
                  "/\"""".formatted(PLAIN_LINE));
    }

    @Test
    void should_fail_if_a_query_parameter_has_other_values() {
        then(expectAssertionError(() -> assertThat(LOGIN).hasQueryParam("tag", "b"))).hasMessage("""

                Expecting flow:
                  %s
                to have query parameter "tag" with value:
                  "b"
                but had:
                  ["a", "b c"]""".formatted(LOGIN_LINE));
    }

    @Test
    void should_fail_if_a_query_parameter_is_absent() {
        then(expectAssertionError(() -> assertThat(PLAIN).hasQueryParam("page", "1"))).hasMessage("""

                Expecting flow:
                  %s
                to have query parameter "page" with value:
                  "1"
                but it had no such query parameter.""".formatted(PLAIN_LINE));
    }

    @Test
    void should_fail_if_a_header_has_another_value() {
        then(expectAssertionError(() -> assertThat(LOGIN).hasHeader("Content-Type", "text/plain"))).hasMessage("""

                Expecting flow:
                  %s
                to have request header "Content-Type" with value:
                  "text/plain"
                but had:
                  "application/json\"""".formatted(LOGIN_LINE));
    }

    @Test
    void should_fail_if_a_header_is_absent() {
        then(expectAssertionError(() -> assertThat(PLAIN).hasHeader("Authorization", "Bearer x"))).hasMessage("""

                Expecting flow:
                  %s
                to have request header "Authorization" with value:
                  "Bearer x"
                but it had no such request header.""".formatted(PLAIN_LINE));
    }

    @Test
    void should_fail_if_the_request_body_differs() {
        then(expectAssertionError(() -> assertThat(LOGIN).hasRequestBody("{}"))).hasMessage("""

                Expecting request body of flow:
                  %s
                to be:
                  "{}"
                but was:
                  "{"user":"alice"}\"""".formatted(LOGIN_LINE));
    }

    @Test
    void should_fail_if_the_status_differs() {
        then(expectAssertionError(() -> assertThat(LOGIN).hasStatus(201))).hasMessage("""

                Expecting flow:
                  %s
                to have status:
                  201
                but had:
                  200""".formatted(LOGIN_LINE));
    }

    @Test
    void should_fail_if_no_response_arrived_yet() {
        then(expectAssertionError(() -> assertThat(PLAIN).hasStatus(200))).hasMessage("""

                Expecting flow:
                  %s
                to have a response status, but no response arrived (yet).""".formatted(PLAIN_LINE));
        then(expectAssertionError(() -> assertThat(PLAIN).responseBody())).hasMessage("""

                Expecting flow:
                  %s
                to have a response body, but no response arrived (yet).""".formatted(PLAIN_LINE));
    }

    @Test
    void should_fail_if_a_response_header_differs() {
        then(expectAssertionError(() -> assertThat(LOGIN).hasResponseHeader("Cache-Control", "max-age=0")))
                .hasMessage("""

                        Expecting flow:
                          %s
                        to have response header "Cache-Control" with value:
                          "max-age=0"
                        but had:
                          "no-store\"""".formatted(LOGIN_LINE));
    }

    @Test
    void should_fail_if_the_flow_is_not_http() {
        then(expectAssertionError(() -> assertThat(DB).isHttp())).hasMessage("""

                Expecting flow:
                  #3 curl tcp://db.example.test:5432 ↑3 B ↓0 B (5 ms)
                to be an HTTP flow, but it was a TcpFlow.""");
        then(expectAssertionError(() -> assertThat(DB).hasStatus(200)))
                .hasMessageEndingWith("to be an HTTP flow, but it was a TcpFlow.");
    }

    @Test
    void should_fail_if_the_flow_is_still_running() {
        then(expectAssertionError(() -> assertThat(PLAIN).isComplete())).hasMessage("""

                Expecting flow:
                  %s
                to be complete, but it was still running.""".formatted(PLAIN_LINE));
    }

    @Test
    void should_fail_if_the_process_differs() {
        then(expectAssertionError(() -> assertThat(LOGIN).fromProcess("python3"))).hasMessage("""

                Expecting flow:
                  %s
                to have process:
                  "python3"
                but had:
                  "curl (pid 4242)\"""".formatted(LOGIN_LINE));
    }

    @Test
    void should_fail_if_the_flow_did_not_use_tls() {
        then(expectAssertionError(() -> assertThat(PLAIN).usedTls())).hasMessage("""

                Expecting flow:
                  %s
                to use TLS, but it did not.""".formatted(PLAIN_LINE));
    }

    @Test
    void should_fail_if_sni_or_alpn_differ() {
        then(expectAssertionError(() -> assertThat(LOGIN).hasSni("www.example.test"))).hasMessage("""

                Expecting flow:
                  %s
                to have SNI:
                  "www.example.test"
                but had:
                  "api.example.test\"""".formatted(LOGIN_LINE));
        then(expectAssertionError(() -> assertThat(LOGIN).hasAlpn("http/1.1"))).hasMessage("""

                Expecting flow:
                  %s
                to have ALPN protocol:
                  "http/1.1"
                but had:
                  "h2\"""".formatted(LOGIN_LINE));
    }

    @Test
    void should_say_which_app_rejected_the_certificate_and_how_to_fix_it() {
        then(expectAssertionError(() -> assertThat(REJECTED).hasNoError())).hasMessage("""

                Expecting flow:
                  #9 curl GET https://api.example.test/v1/items ✗ curl rejected the certificate for api.example.test.
                to have no error, but it failed with CLIENT_REJECTED_CERTIFICATE:
                  curl rejected the certificate for api.example.test.
                curl (pid 4242) rejected apptap's certificate for api.example.test: it does not trust apptap's CA. \
                Start it through apptap's launcher, or set CURL_CA_BUNDLE=<apptap's CA bundle>.""");
        then(expectAssertionError(() -> assertThat(REJECTED).hasStatus(200)))
                .hasMessageEndingWith("to have a response status, but no response arrived.\n"
                                      + "curl (pid 4242) rejected apptap's certificate for api.example.test: it does "
                                      + "not trust apptap's CA. Start it through apptap's launcher, or set "
                                      + "CURL_CA_BUNDLE=<apptap's CA bundle>.");
    }

    @Test
    void should_fail_if_the_error_kind_differs() {
        then(expectAssertionError(() -> assertThat(LOGIN).failedWith(FlowError.Kind.UPSTREAM_TIMEOUT))).hasMessage("""

                Expecting flow:
                  %s
                to have failed with:
                  UPSTREAM_TIMEOUT
                but it did not fail.""".formatted(LOGIN_LINE));
        then(expectAssertionError(() -> assertThat(REJECTED).failedWith(FlowError.Kind.UPSTREAM_TLS)))
                .hasMessageEndingWith("but it failed with CLIENT_REJECTED_CERTIFICATE: "
                                      + "curl rejected the certificate for api.example.test.");
    }

    @Test
    void should_fail_if_the_app_accepted_the_certificate() {
        then(expectAssertionError(() -> assertThat(LOGIN).wasRejectedByApp())).hasMessage("""

                Expecting curl (pid 4242) to have rejected apptap's certificate for api.example.test in flow:
                  %s
                but it accepted the certificate: it trusts apptap's CA.""".formatted(LOGIN_LINE));
        then(expectAssertionError(() -> assertThat(PLAIN).wasRejectedByApp()))
                .hasMessageEndingWith("but the flow did not use TLS.");
    }

    @Test
    void should_fail_on_a_null_flow() {
        then(expectAssertionError(() -> assertThat((HttpFlow) null).hasStatus(200)))
                .hasMessageContaining("Expecting actual not to be null");
    }

    @Test
    void should_pass_if_the_flow_matches_a_request_pattern() {
        assertThat(LOGIN).matches(post("https://api.example.test/v1/login?tag=b%20c").withHeader("x-trace", "2")
                                                                                  .withJsonPath("$.user", "alice"));
    }

    @Test
    void should_show_the_fields_that_differ_from_a_request_pattern() {
        // WHEN
        AssertionError error = expectAssertionError(
                () -> assertThat(LOGIN).matches(post("https://api.example.test/v1/logon").withJsonPath("$.user", "bob")));
        // THEN
        then(error).hasMessage("""

                Expecting flow:
                  %s
                to match:
                  POST https://api.example.test/v1/logon
                    with JSON $.user = "bob"
                but:
                    method       POST
                    scheme       https
                    host         api.example.test
                  ✗ path         expected:</v1/logon> but was:</v1/login>
                  ✗ JSON $.user  expected:<"bob"> but was:<"alice">""".formatted(LOGIN_LINE));
    }
}
