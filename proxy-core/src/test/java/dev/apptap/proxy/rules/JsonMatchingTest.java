package dev.apptap.proxy.rules;

import static dev.apptap.proxy.rules.RequestMatcher.anyRequest;
import static dev.apptap.proxy.rules.RequestMatcher.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

class JsonMatchingTest {

    private static RequestFacts postJson(String json) {
        return RequestFacts.of("POST", "https://api.example.test/v1/login")
                .withHeader("Content-Type", "application/json").withBody(json);
    }

    @Test
    void jsonBodyIgnoresWhitespaceAndKeyOrder() {
        RequestMatcher matcher = anyRequest().withJsonBody("{\"user\":{\"name\":\"ann\",\"id\":7},\"remember\":true}");

        assertThat(matcher.matches(postJson("{ \"remember\" : true,\n  \"user\": {\"id\": 7, \"name\": \"ann\"} }")))
                .isTrue();
    }

    @Test
    void jsonBodyRespectsArrayOrder() {
        RequestMatcher matcher = anyRequest().withJsonBody("[1,2,3]");

        assertThat(matcher.matches(postJson("[1, 2, 3]"))).isTrue();
        assertThat(matcher.matches(postJson("[3, 2, 1]"))).isFalse();
    }

    @Test
    void jsonBodyComparesNumbersByValue() {
        assertThat(anyRequest().withJsonBody("{\"price\":1.50}").matches(postJson("{\"price\":1.5}"))).isTrue();
        assertThat(anyRequest().withJsonBody("{\"n\":1}").matches(postJson("{\"n\":1.0}"))).isTrue();
        assertThat(anyRequest().withJsonBody("{\"n\":1}").matches(postJson("{\"n\":2}"))).isFalse();
    }

    @Test
    void jsonBodyDoesNotMatchAnExtraOrMissingField() {
        RequestMatcher matcher = anyRequest().withJsonBody("{\"a\":1}");

        assertThat(matcher.matches(postJson("{\"a\":1,\"b\":2}"))).isFalse();
        assertThat(matcher.matches(postJson("{}"))).isFalse();
    }

    @Test
    void bodyThatIsNotJsonSimplyDoesNotMatch() {
        assertThat(anyRequest().withJsonBody("{\"a\":1}").matches(postJson("a=1"))).isFalse();
        assertThat(anyRequest().withJsonBody("{\"a\":1}").matches(postJson(""))).isFalse();
    }

    @Test
    void expectedJsonThatIsNotJsonFailsWhenTheMatcherIsMade() {
        assertThatIllegalArgumentException().isThrownBy(() -> anyRequest().withJsonBody("{\"a\":"))
                .withMessageContaining("the expected JSON body is not JSON");
    }

    @Test
    void jsonBodyAcceptsAJsonNodeOrAnObjectJacksonCanSerialize() {
        RequestFacts request = postJson("{\"name\":\"ann\",\"tags\":[\"x\"]}");

        assertThat(anyRequest().withJsonBody(Map.of("name", "ann", "tags", List.of("x"))).matches(request)).isTrue();
        assertThat(anyRequest().withJsonBody(JsonNodeFactory.instance.objectNode().put("name", "ann")
                .set("tags", JsonNodeFactory.instance.arrayNode().add("x"))).matches(request)).isTrue();
    }

    @Test
    void jsonPointerComparesTheValueAtThePointer() {
        RequestFacts request = postJson("{\"user\":{\"name\":\"ann\",\"age\":41,\"roles\":[\"admin\"]}}");

        assertThat(post("https://api.example.test/v1/login").withJsonPointer("/user/name", "ann").matches(request))
                .isTrue();
        assertThat(anyRequest().withJsonPointer("/user/name", "bob").matches(request)).isFalse();
        assertThat(anyRequest().withJsonPointer("/user/age", 41).matches(request)).isTrue();
        assertThat(anyRequest().withJsonPointer("/user/roles/0", "admin").matches(request)).isTrue();
        assertThat(anyRequest().withJsonPointer("/user/roles", List.of("admin")).matches(request)).isTrue();
    }

    @Test
    void jsonPointerStringDoesNotEqualANumber() {
        assertThat(anyRequest().withJsonPointer("/age", "41").matches(postJson("{\"age\":41}"))).isFalse();
    }

    @Test
    void jsonPointerToAMissingFieldDoesNotMatch() {
        assertThat(anyRequest().withJsonPointer("/user/email", "a@b").matches(postJson("{\"user\":{}}"))).isFalse();
    }

    @Test
    void jsonPointerMustBeAPointer() {
        assertThatIllegalArgumentException().isThrownBy(() -> anyRequest().withJsonPointer("user.name", "ann"));
    }

    @Test
    void jsonPointerCanMatchAnExplicitNull() {
        assertThat(anyRequest().withJsonPointer("/a", null).matches(postJson("{\"a\":null}"))).isTrue();
        assertThat(anyRequest().withJsonPointer("/a", null).matches(postJson("{}"))).isFalse();
    }
}
