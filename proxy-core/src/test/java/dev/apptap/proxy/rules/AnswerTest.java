package dev.apptap.proxy.rules;

import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.Actions.respondInSequence;
import static dev.apptap.proxy.rules.Actions.respondJson;
import static dev.apptap.proxy.rules.Actions.respondWith;
import static dev.apptap.proxy.rules.RequestMatcher.anyRequestTo;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static dev.apptap.proxy.rules.RequestMatcher.post;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnswerTest {

    private final RuleSet stubs = new RuleSet();

    private Respond answerTo(RequestFacts request) {
        Decision decision = stubs.decide(request);
        assertThat(decision).isInstanceOf(Decision.Stubbed.class);
        return ((Decision.Stubbed) decision).response();
    }

    private static String body(Respond response) {
        return new String(((Respond.Content.Inline) response.content()).bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void functionComputesTheResponseFromPathQueryAndJsonBody() {
        stubs.on(post("https://api.example.test/users/*")).respond(request -> respondJson(201, Map.of(
                "id", request.pathSegments().get(1),
                "team", request.queryParam("team").orElse(""),
                "name", request.jsonAt("/user/name").orElse(""))));

        Respond response = answerTo(RequestFacts.of("POST", "https://api.example.test/users/42?team=blue")
                .withHeader("Content-Type", "application/json").withBody("{\"user\":{\"name\":\"ann\"}}"));

        assertThat(response.status()).isEqualTo(201);
        assertThat(body(response)).contains("\"id\":\"42\"", "\"team\":\"blue\"", "\"name\":\"ann\"");
    }

    @Test
    void functionReturningNullLetsTheOlderRuleAnswer() {
        stubs.on(anyRequestTo("api.example.test")).respond(respond(404));
        Rule declines = stubs.on(get("https://api.example.test/items")).respond(request -> null);

        assertThat(answerTo(RequestFacts.of("GET", "https://api.example.test/items")).status()).isEqualTo(404);
        assertThat(declines.hits()).isZero();
    }

    @Test
    void functionThatThrowsAnswers500NamingTheStubAndTheException() {
        stubs.on(get("https://api.example.test/items")).respond(request -> {
            throw new IllegalStateException("no such item");
        });

        Respond response = answerTo(RequestFacts.of("GET", "https://api.example.test/items"));

        assertThat(response.status()).isEqualTo(500);
        assertThat(body(response)).contains("no such item", "GET https://api.example.test/items",
                "respond(request -> ...)");
    }

    @Test
    void sequenceAnswersInOrderThenRepeatsTheLast() {
        Rule flaky = stubs.on(get("https://api.example.test/flaky"))
                .respond(respondInSequence(respond(503), respond(503), respond(200).withBody("ok")));
        RequestFacts request = RequestFacts.of("GET", "https://api.example.test/flaky");

        assertThat(answerTo(request).status()).isEqualTo(503);
        assertThat(answerTo(request).status()).isEqualTo(503);
        assertThat(body(answerTo(request))).isEqualTo("ok");
        assertThat(answerTo(request).status()).isEqualTo(200);
        assertThat(flaky.hits()).isEqualTo(4);
        assertThat(flaky.describe()).endsWith("→ respond 503, then 503, then 200 (2 B text/plain; charset=utf-8),"
                + " then the last again");
    }

    @Test
    void computedAnswerMakesTheEngineBufferTheBodyAndASequenceDoesNot() {
        stubs.on(get("https://api.example.test/seq")).respond(respondInSequence(respond(503), respond(200)));
        stubs.on(post("https://api.example.test/echo")).respond(respondWith(request -> respond(200)
                .withBody(request.bodyText())));

        assertThat(stubs.needsBody(RequestFacts.of("POST", "https://api.example.test/echo"))).isTrue();
        assertThat(stubs.needsBody(RequestFacts.of("GET", "https://api.example.test/seq"))).isFalse();
    }
}
