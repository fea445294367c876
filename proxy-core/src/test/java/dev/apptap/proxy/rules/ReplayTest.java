package dev.apptap.proxy.rules;

import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.anyRequest;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayTest {

    private final RuleSet rules = new RuleSet();

    private static Path fixture(String name) {
        try {
            return Path.of(ReplayTest.class.getResource("/har/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Respond answerTo(RequestFacts request) {
        Decision decision = rules.decide(request);
        assertThat(decision).as("decision for %s", request).isInstanceOf(Decision.Stubbed.class);
        return ((Decision.Stubbed) decision).response();
    }

    private static byte[] bytes(Respond response) {
        return ((Respond.Content.Inline) response.content()).bytes();
    }

    private static String body(Respond response) {
        return new String(bytes(response), StandardCharsets.UTF_8);
    }

    @Test
    void replaysChromeHarWithBase64BodiesPseudoHeadersAndMissingText() {
        Replay chrome = Replay.of(fixture("chrome.har"));
        rules.on(anyRequest()).respond(chrome.answer());

        Respond cart = answerTo(RequestFacts.of("GET", "https://shop.test/api/cart?session=abc&ts=1701424800"));
        assertThat(body(cart)).isEqualTo("{\"items\":2,\"total\":\"9.90\"}");
        assertThat(cart.headers()).contains(Map.entry("x-cart", "chrome"))
                .extracting(Map.Entry::getKey).doesNotContain("content-encoding", "content-length", "alt-svc");
        Respond logo = answerTo(RequestFacts.of("GET", "https://shop.test/logo.png"));
        assertThat(bytes(logo)).startsWith(0x89, 'P', 'N', 'G');
        Respond added = answerTo(RequestFacts.of("POST", "https://shop.test/api/cart/items")
                .withHeader("Content-Type", "application/json").withBody("{ \"qty\": 1, \"sku\": \"A-1\" }"));
        assertThat(added.status()).isEqualTo(201);
        assertThat(bytes(added)).isEmpty();
        assertThat(chrome.size()).as("the request the browser blocked has no response to replay").isEqualTo(3);
    }

    @Test
    void chromesWebSocketEntryBecomesA101ThatPlaysItsMessagesInOrder(@TempDir Path dir) throws IOException {
        Path har = dir.resolve("chrome-ws.har");
        Files.writeString(har, """
                {"log": {"version": "1.2", "entries": [{
                  "_resourceType": "websocket",
                  "request": {"method": "GET", "url": "wss://chat.test/socket", "headers": [
                    {"name": "Upgrade", "value": "websocket"}, {"name": "Sec-WebSocket-Key", "value": "abc"}]},
                  "response": {"status": 101, "headers": [
                    {"name": "Upgrade", "value": "websocket"}, {"name": "Sec-WebSocket-Accept", "value": "recorded"},
                    {"name": "Sec-WebSocket-Protocol", "value": "chat"},
                    {"name": "Sec-WebSocket-Extensions", "value": "permessage-deflate"}],
                    "content": {"size": 0, "mimeType": "x-unknown"}},
                  "_webSocketMessages": [
                    {"type": "receive", "time": 1733350000.1, "opcode": 1, "data": "welcome"},
                    {"type": "send", "time": 1733350000.2, "opcode": 1, "data": "hi"},
                    {"type": "receive", "time": 1733350000.3, "opcode": 2, "data": "AQI="},
                    {"type": "receive", "time": 1733350000.4, "opcode": 9, "data": ""}]
                }]}}""");
        rules.on(anyRequest()).respond(Replay.of(har).answer());

        Respond upgrade = answerTo(RequestFacts.of("GET", "https://chat.test/socket"));

        assertThat(upgrade.status()).isEqualTo(101);
        assertThat(upgrade.headers()).containsExactly(Map.entry("Sec-WebSocket-Protocol", "chat"));
        WebSocketScript script = upgrade.webSocket();
        assertThat(script.steps()).extracting(WebSocketScript.Step::fromApp, WebSocketScript.Step::text)
                .containsExactly(tuple(false, true), tuple(true, true), tuple(false, false));
        assertThat(script.steps().get(2).payload()).containsExactly(1, 2);
        assertThat(script.serverCloseCode()).as("Chrome does not record the close: apptap waits for the app's")
                .isEqualTo(-1);
    }

    @Test
    void ignoredQueryParamsMayDifferFromTheRecording() {
        RequestFacts later = RequestFacts.of("GET", "https://shop.test/api/cart?session=abc&ts=1701999999");
        rules.on(anyRequest()).respond(Replay.of(fixture("chrome.har")).answer());
        assertThat(rules.decide(later)).isInstanceOf(Decision.OfflineUnmatched.class);

        rules.clear();
        rules.on(anyRequest()).respond(Replay.of(fixture("chrome.har")).ignoringQueryParams("ts").answer());
        assertThat(body(answerTo(later))).contains("\"items\":2");
    }

    @Test
    void repeatedRequestsGetTheRecordedResponsesInOrderThenTheLastAgain() {
        rules.on(anyRequest()).respond(Replay.of(fixture("mitmproxy.har")).answer());
        RequestFacts poll = RequestFacts.of("GET", "http://jobs.test/jobs/7");

        assertThat(body(answerTo(poll))).isEqualTo("{\"state\":\"queued\"}");
        assertThat(body(answerTo(poll))).isEqualTo("{\"state\":\"running\"}");
        assertThat(body(answerTo(poll))).isEqualTo("{\"state\":\"done\"}");
        assertThat(body(answerTo(poll))).isEqualTo("{\"state\":\"done\"}");
    }

    @Test
    void bodyDecidesBetweenRecordedPostsUnlessIgnored() {
        rules.on(anyRequest()).respond(Replay.of(fixture("mitmproxy.har")).answer());
        RequestFacts bob = RequestFacts.of("POST", "http://jobs.test/login").withBody("user=bob&pw=y");
        RequestFacts ann = RequestFacts.of("POST", "http://jobs.test/login").withBody("user=ann&pw=x");

        assertThat(answerTo(bob).status()).isEqualTo(403);
        assertThat(body(answerTo(ann))).isEqualTo("token=t-1");

        rules.clear();
        rules.on(anyRequest()).respond(Replay.of(fixture("mitmproxy.har")).ignoringBody().answer());
        assertThat(answerTo(bob).status()).as("in recorded order, whatever the body").isEqualTo(200);
        assertThat(answerTo(bob).status()).isEqualTo(403);
    }

    @Test
    void unrecordedRequestGets502NamingTheClosestRecordedRequest() {
        rules.on(anyRequest()).respond(Replay.of(fixture("mitmproxy.har")).answer());

        Decision decision = rules.decide(RequestFacts.of("GET", "http://jobs.test/jobs/8"));

        assertThat(decision).isInstanceOf(Decision.OfflineUnmatched.class);
        Decision.OfflineUnmatched offline = (Decision.OfflineUnmatched) decision;
        assertThat(offline.sentence()).contains("mitmproxy.har", "recorded no request like GET http://jobs.test/jobs/8");
        assertThat(offline.body()).contains("GET http://jobs.test:80/jobs/7",
                "path: expected /jobs/7 but was /jobs/8");
        assertThat(offline.response().status()).isEqualTo(502);
    }

    @Test
    void passingThroughUnrecordedLetsOlderRulesOrTheNetworkDecide() {
        rules.on(get("http://jobs.test/other")).respond(respond(418));
        rules.on(anyRequest()).respond(Replay.of(fixture("mitmproxy.har")).passingThroughUnrecorded().answer());

        assertThat(answerTo(RequestFacts.of("GET", "http://jobs.test/other")).status()).isEqualTo(418);
        assertThat(rules.decide(RequestFacts.of("GET", "http://jobs.test/nothing"))).isEqualTo(Decision.PASS_THROUGH);
    }

    @Test
    void stubAddedAfterTheReplayOverridesARecordedResponse() {
        rules.on(anyRequest()).respond(Replay.of(fixture("mitmproxy.har")).answer());
        rules.on(get("http://jobs.test/jobs/7")).respond(respond(500));

        assertThat(answerTo(RequestFacts.of("GET", "http://jobs.test/jobs/7")).status()).isEqualTo(500);
    }

    @Test
    void matchedHeadersMustCarryTheirRecordedValues() {
        rules.on(anyRequest()).respond(Replay.of(fixture("chrome.har")).matchingHeaders("Accept").answer());

        assertThat(rules.decide(RequestFacts.of("GET", "https://shop.test/logo.png").withHeader("Accept", "text/html")))
                .isInstanceOf(Decision.OfflineUnmatched.class);
        assertThat(answerTo(RequestFacts.of("GET", "https://shop.test/logo.png")
                .withHeader("accept", "image/avif,image/webp,*/*")).status()).isEqualTo(200);
    }

    @Test
    void badFilesAreRefusedWithASentenceNamingThem(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("missing.har");
        Path notJson = Files.writeString(dir.resolve("notjson.har"), "<html>");
        Path notHar = Files.writeString(dir.resolve("nothar.har"), "{\"entries\":[]}");
        Path empty = Files.writeString(dir.resolve("empty.har"), "{\"log\":{\"entries\":[]}}");

        assertThatThrownBy(() -> Replay.of(missing)).hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> Replay.of(notJson)).hasMessageContaining("is not JSON");
        assertThatThrownBy(() -> Replay.of(notHar)).hasMessageContaining("no log.entries array");
        assertThatThrownBy(() -> Replay.of(empty)).hasMessageContaining("records no HTTP response");
    }
}
