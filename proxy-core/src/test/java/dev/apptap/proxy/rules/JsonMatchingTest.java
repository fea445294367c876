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

    @Test
    void lenientJsonBodyAllowsExtraFieldsAtAnyDepthAndAnyArrayOrder() {
        RequestMatcher matcher = anyRequest().withJsonBodyLenient(
                "{\"user\":{\"name\":\"ann\"},\"roles\":[\"b\",{\"id\":1}]}");

        assertThat(matcher.matches(postJson("{\"roles\":[{\"id\":1.0,\"x\":2},\"b\"],\"user\":{\"name\":\"ann\","
                + "\"id\":7},\"remember\":true}"))).isTrue();
        assertThat(matcher.matches(postJson("{\"user\":{\"name\":\"bob\"},\"roles\":[\"b\",{\"id\":1}]}")))
                .as("a differing value").isFalse();
        assertThat(matcher.matches(postJson("{\"user\":{\"name\":\"ann\"},\"roles\":[\"b\"]}")))
                .as("a missing array element").isFalse();
        assertThat(matcher.matches(postJson("{\"user\":{\"name\":\"ann\"},\"roles\":[\"b\",{\"id\":1},\"c\"]}")))
                .as("an extra array element").isFalse();
        assertThat(matcher.describe()).startsWith("any request to any host with JSON body holding {");
    }

    @Test
    void lenientJsonBodyTakesMapsAndLists() {
        assertThat(anyRequest().withJsonBodyLenient(Map.of("a", List.of(2, 1)))
                .matches(postJson("{\"a\":[1,2],\"b\":0}"))).isTrue();
    }

    @Test
    void jsonPathFindsAValueOrAnyOfTheValuesAFilterFinds() {
        RequestFacts request = postJson("{\"user\":{\"name\":\"ann\"},\"items\":[{\"id\":1,\"price\":5},"
                + "{\"id\":2,\"price\":15}]}");

        assertThat(anyRequest().withJsonPath("$.user.name", "ann").matches(request)).isTrue();
        assertThat(anyRequest().withJsonPath("$.user.name", "bob").matches(request)).isFalse();
        assertThat(anyRequest().withJsonPath("$.items[1].id", 2).matches(request)).isTrue();
        assertThat(anyRequest().withJsonPath("$.items[*].id", 2).matches(request)).isTrue();
        assertThat(anyRequest().withJsonPath("$.items[?(@.price > 10)]").matches(request)).isTrue();
        assertThat(anyRequest().withJsonPath("$.items[?(@.price > 100)]").matches(request)).isFalse();
        assertThat(anyRequest().withJsonPath("$.user.email").matches(request)).isFalse();
        assertThat(anyRequest().withJsonPath("$.user").matches(postJson("not json"))).isFalse();
    }

    @Test
    void jsonPathCanMatchAnExplicitNull() {
        assertThat(anyRequest().withJsonPath("$.a", null).matches(postJson("{\"a\":null}"))).isTrue();
        assertThat(anyRequest().withJsonPath("$.a").matches(postJson("{\"a\":null}"))).isTrue();
        assertThat(anyRequest().withJsonPath("$.a", null).matches(postJson("{}"))).isFalse();
        assertThat(anyRequest().withJsonPath("$.a", null).matches(postJson("{\"a\":1}"))).isFalse();
    }

    @Test
    void jsonPathExplainsWhatItFound() {
        Comparison comparison = anyRequest().withJsonPath("$.items[*].id", 3)
                .compare(postJson("{\"items\":[{\"id\":1},{\"id\":2}]}"));

        assertThat(comparison.mismatches()).extracting(Comparison.Field::explain)
                .containsExactly("JSON $.items[*].id: expected 3 but was [1, 2]");
    }

    @Test
    void jsonPathMustBeAJsonPath() {
        assertThatIllegalArgumentException().isThrownBy(() -> anyRequest().withJsonPath("$.items[?(@.id ==", 1))
                .withMessageContaining("\"$.items[?(@.id ==\" is not a JSONPath");
    }
}
