package dev.apptap.proxy.engine;

import static dev.apptap.proxy.rules.Actions.forwardToTls;
import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.anyRequestTo;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.origin.ProcessResolver;
import dev.apptap.proxy.rules.RequestFacts;
import dev.apptap.proxy.rules.RuleSet;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rule step both relays share, on its own: a request head in, an outcome out, the handling on the flow. */
class RuleStepTest {

    private final FlowStore flows = new FlowStore();
    private final RuleSet rules = new RuleSet();
    private final ConnectionContext connection = EmbeddedConnections.connection(EmbeddedConnections.runtime(
            ProxyEngine.builder().flows(flows).rules(rules).processes(ProcessResolver.NONE).bodyLimit(8)),
            ConnectionContext.Entry.TRANSPARENT);
    private final RuleStep step = new RuleStep(connection, RuleStep.RESETS_STREAM);
    private HttpExchange exchange;

    @Test
    void aStubbedRequestIsAnsweredWithTheStubsStatusHeadersBodyAndDelay() {
        rules.on(get("https://api.example.test/v1/items"))
                .respond(respond(200).withBody("[1]").withHeader("X-Stub", "yes").withDelay(Duration.ofMillis(5)));

        RuleStep.Outcome outcome = decide("GET", "https://api.example.test/v1/items");

        assertThat(outcome).isInstanceOfSatisfying(RuleStep.Answer.class, answer -> {
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.headers()).contains(Map.entry("X-Stub", "yes"));
            assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo("[1]");
            assertThat(answer.delay()).isEqualTo(Duration.ofMillis(5));
            assertThat(answer.error()).isNull();
        });
        assertThat(handling().kind()).isEqualTo(HttpFlow.Handling.Kind.STUBBED);
    }

    @Test
    void aRoutedRequestGoesToTheForwardsHostOverHttp11WithItsTrustAndHostHeader() {
        rules.on(anyRequestTo("api.example.test"))
                .forwardTo(forwardToTls("127.0.0.1", 8443).insecure().withHostHeader("staging.example.test"));

        RuleStep.Outcome outcome = decide("POST", "https://api.example.test/v1/orders");

        assertThat(outcome).isInstanceOfSatisfying(RuleStep.Route.class, route -> {
            assertThat(route.target().authority()).isEqualTo("127.0.0.1:8443");
            assertThat(route.target().tls()).isTrue();
            assertThat(route.target().alpn()).containsExactly("http/1.1");
            assertThat(route.target().insecure()).isTrue();
            assertThat(route.hostHeader()).contains("staging.example.test");
        });
        assertThat(handling().kind()).isEqualTo(HttpFlow.Handling.Kind.ROUTED);
    }

    @Test
    void anUnmatchedRequestWhileOfflineIsAnswered502WithTheSentence() {
        rules.offline(true);

        RuleStep.Outcome outcome = decide("GET", "https://cdn.example.test/x");

        assertThat(outcome).isInstanceOfSatisfying(RuleStep.Answer.class, answer -> {
            assertThat(answer.status()).isEqualTo(502);
            assertThat(new String(answer.body(), StandardCharsets.UTF_8))
                    .startsWith("apptap is offline and no stub matched GET https://cdn.example.test/x;");
            assertThat(answer.error().kind()).isEqualTo(FlowError.Kind.NO_STUB_MATCHED);
        });
        assertThat(handling().kind()).isEqualTo(HttpFlow.Handling.Kind.OFFLINE);
    }

    @Test
    void aClosedRequestSaysWhatClosingMeansInTheRelaysProtocol() {
        rules.on(get("https://api.example.test/flaky")).close();

        RuleStep.Outcome outcome = decide("GET", "https://api.example.test/flaky");

        assertThat(outcome).isInstanceOfSatisfying(RuleStep.Close.class, close ->
                assertThat(close.error().message()).contains(" reset the HTTP/2 stream of curl")
                        .endsWith("instead of answering GET https://api.example.test/flaky."));
    }

    @Test
    void aRequestNoRuleTakesWhileOnlineIsRelayed() {
        rules.on(get("https://api.example.test/other")).respond(respond(204));

        assertThat(decide("GET", "https://api.example.test/v1/items")).isSameAs(RuleStep.Outcome.RELAY);
        assertThat(step.passesEverything()).isFalse();
    }

    @Test
    void theBodyForRulesIsCompleteAtItsEndOrAtTheRecordingLimit() {
        RuleStep.BodyForRules body = step.bodyFor(RuleStep.head("POST", "https://api.example.test/upload", List.of()));

        assertThat(body.add(Unpooled.copiedBuffer("12345", StandardCharsets.US_ASCII), false)).isFalse();
        assertThat(body.add(Unpooled.copiedBuffer("67890", StandardCharsets.US_ASCII), false)).isTrue();
        assertThat(new String(body.request().body(), StandardCharsets.US_ASCII)).isEqualTo("12345678");
    }

    private RuleStep.Outcome decide(String method, String url) {
        exchange = new HttpExchange(connection);
        exchange.requestHead(method, url, "HTTP/1.1", List.of());
        RequestFacts head = RuleStep.head(method, url, List.of());
        return step.decide(head, exchange);
    }

    /** How the flow says the request was handled, once the request ended and the flow was published. */
    private HttpFlow.Handling handling() {
        exchange.requestEnd();
        return ((HttpFlow) flows.flows().get(0)).handling();
    }
}
