package dev.apptap.proxy.rules;

import static dev.apptap.proxy.rules.RequestMatcher.get;
import static dev.apptap.proxy.rules.RequestMatcher.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.Body;
import dev.apptap.flow.Headers;
import dev.apptap.flow.HttpRequest;

import org.junit.jupiter.api.Test;

/** The assertions judge recorded flows with the engine's matcher: the same criteria, fed from the flow model. */
class RecordedRequestMatchingTest {

    private final HttpRequest recorded = new HttpRequest("POST", "https://api.example.test:8443/v1/login?x=1",
            "HTTP/1.1", Headers.of("Content-Type", "application/json"),
            Body.ofText("{\"user\":{\"name\":\"ann\"}}", "application/json"));

    @Test
    void aRecordedRequestIsMatchedByTheSameCriteriaAsALiveOne() {
        assertThat(post("https://api.example.test/v1/login").withQueryParam("x", "1")
                .withHeader("content-type", "application/json").withJsonPath("$.user.name", "ann")
                .matches(recorded)).isTrue();
        assertThat(post("https://api.example.test:443/v1/login").matches(recorded)).isFalse();
    }

    @Test
    void comparisonListsEveryFieldWithWhatTheRequestHad() {
        Comparison comparison = get("https://api.example.test/v1/logon").withJsonPointer("/user/name", "bob")
                .compare(recorded);

        assertThat(comparison.matches()).isFalse();
        assertThat(comparison.fields()).extracting(Comparison.Field::name)
                .containsExactly("method", "scheme", "host", "path", "JSON /user/name");
        assertThat(comparison.mismatches()).extracting(Comparison.Field::explain).containsExactly(
                "path: expected /v1/logon but was /v1/login",
                "method: expected GET but was POST",
                "JSON /user/name: expected \"bob\" but was \"ann\"");
    }
}
