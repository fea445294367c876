package dev.apptap.proxy.rules;

import static dev.apptap.proxy.rules.RequestMatcher.any;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResponseTemplateTest {

    private static String body(Respond response) {
        return new String(((Respond.Content.Inline) response.content()).bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void echoesPathSegmentQueryParamHeaderAndJsonField() {
        ResponseTemplate template = ResponseTemplate.parse(200, "{\"id\":\"{{path.2}}\",\"page\":\"{{query.page}}\","
                + "\"accept\":\"{{header.Accept}}\",\"name\":\"{{json.user.name}}\",\"first\":{{json.items.0}}}");

        Respond response = template.apply(RequestFacts.of("POST", "https://api.example.test/users/42?page=3")
                .withHeader("Accept", "application/json")
                .withBody("{\"user\":{\"name\":\"ann\"},\"items\":[7,8]}"));

        assertThat(body(response)).isEqualTo("{\"id\":\"42\",\"page\":\"3\",\"accept\":\"application/json\","
                + "\"name\":\"ann\",\"first\":7}");
        assertThat(response.headers()).contains(Map.entry("Content-Type", "application/json"));
    }

    @Test
    void valuesInAJsonTemplateAreEscapedSoTheBodyStaysJson() {
        ResponseTemplate template = ResponseTemplate.parse(200, "{\"name\":\"{{query.name}}\"}");

        Respond response = template.apply(RequestFacts.of("GET", "https://api.example.test/x?name=a%22b%5Cc"));

        assertThat(body(response)).isEqualTo("{\"name\":\"a\\\"b\\\\c\"}");
        assertThat(Json.tryParse(body(response))).isNotNull();
    }

    @Test
    void whatTheRequestLacksBecomesEmptyText() {
        ResponseTemplate template = ResponseTemplate.parse(200, "[{{path.9}}|{{query.none}}|{{json.x}}]");

        assertThat(body(template.apply(RequestFacts.of("GET", "https://api.example.test/a")))).isEqualTo("[||]");
    }

    @Test
    void unknownPlaceholderIsRefusedWithTheOnesThatExist() {
        assertThatThrownBy(() -> ResponseTemplate.parse(200, "{{cookie.sid}}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("{{cookie.sid}}").hasMessageContaining("{{path.N}}");
        assertThatThrownBy(() -> ResponseTemplate.parse(200, "{{path.0}}"))
                .hasMessageContaining("count from 1");
    }

    @Test
    void templatesInSequenceAnswerInOrderThenRepeatTheLast() {
        RuleSet rules = new RuleSet();
        rules.on(any("https://api.example.test/jobs/*")).respond(ResponseTemplate.inSequence(List.of(
                ResponseTemplate.parse(503, ""), ResponseTemplate.parse(200, "job {{path.2}} done"))));
        RequestFacts request = RequestFacts.of("GET", "https://api.example.test/jobs/7");

        assertThat(((Decision.Stubbed) rules.decide(request)).response().status()).isEqualTo(503);
        Respond second = ((Decision.Stubbed) rules.decide(request)).response();
        assertThat(body(second)).isEqualTo("job 7 done");
        assertThat(((Decision.Stubbed) rules.decide(request)).response().status()).isEqualTo(200);
    }
}
