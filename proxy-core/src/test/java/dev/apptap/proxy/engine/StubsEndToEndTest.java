package dev.apptap.proxy.engine;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static dev.apptap.proxy.rules.Actions.forwardTo;
import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.Actions.respondJson;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static dev.apptap.proxy.rules.RequestMatcher.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.rules.RequestMatcher;
import dev.apptap.proxy.testing.ClientResult;
import dev.apptap.proxy.testing.Clients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stubs, routes and offline mode answering real apps (curl, python3, node) for {@code *.test} hosts that
 * exist nowhere: every answer comes from the machine itself.
 */
class StubsEndToEndTest {

    @TempDir
    Path dir;

    EngineFixture apptap;

    @BeforeEach
    void start() {
        Clients.assumeInstalled("curl");
        apptap = EngineFixture.start(dir.resolve("trust"));
        apptap.engine.rules().offline(true);
    }

    @AfterEach
    void stop() {
        apptap.close();
    }

    @Test
    void answersCurlOverHttpsFromAStubWhileOffline() {
        apptap.engine.rules().on(get("https://api.example.test/v1/items"))
                .respond(respondJson(200, "[{\"id\":1}]").withHeader("X-Stub", "yes"));

        ClientResult result = Clients.curl(apptap.proxyEnvironment(), "-sS", "-i", "https://api.example.test/v1/items")
                .requireSuccess();

        assertThat(result.stdout()).startsWith("HTTP/1.1 200").contains("X-Stub: yes").endsWith("[{\"id\":1}]");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/v1/items"));
        assertThat(flow.isStubbed()).isTrue();
        assertThat(flow.handling().rule()).contains("GET https://api.example.test/v1/items");
        assertThat(flow.response().orElseThrow().body().text()).isEqualTo("[{\"id\":1}]");
        assertThat(flow.error()).isEmpty();
        assertThat(flow.process().name()).isEqualTo("curl");
    }

    @Test
    void answersUnmatchedRequestsWith502NamingMethodAndUrl() {
        ClientResult result = Clients.curl(apptap.proxyEnvironment(), "-sS", "-w", "|%{http_code}", "-d", "x=1",
                "https://api.example.test/v1/login");

        assertThat(result.stdout()).startsWith("apptap is offline and no stub matched POST https://api.example.test/v1/login;")
                .endsWith("|502");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/v1/login"));
        assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.OFFLINE);
        assertThat(flow.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.NO_STUB_MATCHED);
    }

    @Test
    void matchesOnTheJsonBodyBeforeAnswering() {
        apptap.engine.rules().on(post("https://api.example.test/v1/login").withJsonPointer("/user", "ann"))
                .respond(respondJson(200, "{\"token\":\"t-ann\"}"));

        ClientResult ann = Clients.curl(apptap.proxyEnvironment(), "-sS", "-H", "Content-Type: application/json",
                "-d", "{\"user\": \"ann\", \"pin\": 1}", "https://api.example.test/v1/login").requireSuccess();
        ClientResult bob = Clients.curl(apptap.proxyEnvironment(), "-sS", "-w", "|%{http_code}",
                "-H", "Content-Type: application/json", "-d", "{\"user\": \"bob\"}", "https://api.example.test/v1/login");

        assertThat(ann.stdout()).isEqualTo("{\"token\":\"t-ann\"}");
        assertThat(bob.stdout()).endsWith("|502");
    }

    @Test
    void recordsTheWholeRequestBodyEvenWhenTheStubIgnoresIt() throws Exception {
        apptap.engine.rules().on(post("https://api.example.test/v1/upload")).respond(respond(201));
        String body = "x".repeat(300_000);
        Path file = Files.writeString(dir.resolve("upload.txt"), body);

        Clients.curl(apptap.proxyEnvironment(), "-sS", "--data-binary", "@" + file, "https://api.example.test/v1/upload")
                .requireSuccess();

        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/v1/upload"));
        assertThat(flow.status()).isEqualTo(201);
        assertThat(flow.request().body().size()).isEqualTo(body.length());
        assertThat(flow.request().body().text()).isEqualTo(body);
    }

    @Test
    void answersPython3UrllibFromAStub() {
        Clients.assumeInstalled("python3");
        apptap.engine.rules().on(get("https://api.example.test/v1/me")).respond(respond(200).withBody("it is python"));

        ClientResult result = Clients.python3(apptap.proxyEnvironment(),
                "import urllib.request; print(urllib.request.urlopen('https://api.example.test/v1/me').read().decode())")
                .requireSuccess();

        assertThat(result.stdout()).contains("it is python");
        assertThat(apptap.awaitHttp(f -> f.request().path().equals("/v1/me")).process().name()).startsWith("python3");
    }

    @Test
    void answersNodeThroughTheProxyFromAStub() {
        Clients.assumeInstalled("node");
        apptap.engine.rules().on(get("http://api.example.test/v1/node")).respond(respond(201).withBody("hi node"));
        String proxy = apptap.proxyUrl();

        ClientResult result = Clients.node(apptap.proxyEnvironment(),
                "const u = new URL(process.argv[1]);"
                        + "require('http').get({host: u.hostname, port: u.port, path: 'http://api.example.test/v1/node'},"
                        + " r => { let b = ''; r.on('data', d => b += d); r.on('end', () => console.log(r.statusCode, b)); })"
                        + ".on('error', e => { console.error(e); process.exit(3); });",
                proxy).requireSuccess();

        assertThat(result.stdout()).contains("201 hi node");
        assertThat(apptap.awaitHttp(f -> f.request().path().equals("/v1/node")).process().name()).isEqualTo("node");
    }

    @Test
    void routesANativeAppToALocalWireMockPlayingItsBackend() {
        WireMockServer wireMock = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        wireMock.start();
        try {
            wireMock.stubFor(WireMock.get("/v1/items")
                    .willReturn(aResponse().withStatus(200).withBody("from wiremock")));
            apptap.engine.rules().on(RequestMatcher.anyRequestTo("api.example.test"))
                    .forwardTo(forwardTo("127.0.0.1", wireMock.port()));

            ClientResult result = Clients.curl(apptap.proxyEnvironment(), "-sS", "https://api.example.test/v1/items")
                    .requireSuccess();

            assertThat(result.stdout()).isEqualTo("from wiremock");
            wireMock.verify(getRequestedFor(urlEqualTo("/v1/items")));
            HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/v1/items"));
            assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.ROUTED);
            assertThat(flow.request().url()).isEqualTo("https://api.example.test/v1/items");
        } finally {
            wireMock.stop();
        }
    }

    @Test
    void closesTheConnectionWhenARuleSaysSo() {
        apptap.engine.rules().on(get("https://api.example.test/v1/flaky")).close();

        ClientResult result = Clients.curl(apptap.proxyEnvironment(), "-sS", "https://api.example.test/v1/flaky");

        assertThat(result.exitCode()).isEqualTo(52);
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/v1/flaky"));
        assertThat(flow.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.CLOSED_BY_RULE);
    }

    @Test
    void appliesAStubsDelay() {
        apptap.engine.rules().on(get("https://api.example.test/v1/slow"))
                .respond(respond(200).withBody("late").withDelay(Duration.ofMillis(400)));

        ClientResult result = Clients.curl(apptap.proxyEnvironment(), "-sS", "https://api.example.test/v1/slow")
                .requireSuccess();

        assertThat(result.stdout()).isEqualTo("late");
        assertThat(result.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(400));
    }

}
