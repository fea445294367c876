package dev.apptap.proxy.engine;

import static dev.apptap.proxy.rules.Actions.forwardTo;
import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.anyRequestTo;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.testing.Clients;
import dev.apptap.proxy.testing.OriginServer;
import dev.apptap.proxy.testing.RecordedRequest;
import dev.apptap.proxy.testing.nft.CgroupRedirect;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stubs, routes and offline mode answering an app that speaks only HTTP/2: nghttp, over TLS with ALPN {@code h2}
 * alone and over cleartext h2 with prior knowledge, redirected transparently. It asks for {@code api.example.test}
 * (its {@code :authority}) at a loopback port where nothing listens, so every answer comes from apptap or the route.
 */
class Http2RulesEndToEndTest {

    @TempDir
    static Path dir;

    static EngineFixture apptap;
    static OriginServer routedServer;
    static int nothingListens;

    @BeforeAll
    static void start() throws IOException {
        Clients.assumeInstalled("nghttp");
        assumeTrue(CgroupRedirect.isAvailable(), CgroupRedirect::unavailableReason);
        int port = TransparentEndToEndTest.freePort();
        apptap = EngineFixture.start(dir.resolve("trust"), b -> b
                .transparentListener(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
        routedServer = OriginServer.start();
        nothingListens = TransparentEndToEndTest.freePort();
    }

    @AfterAll
    static void stop() {
        if (routedServer != null) {
            routedServer.close();
        }
        if (apptap != null) {
            apptap.close();
        }
    }

    @BeforeEach
    void offline() {
        apptap.engine.rules().clear();
        apptap.engine.rules().offline(true);
    }

    @Test
    void routesAnH2OnlyAppOverTlsToTheRoutedHttp11Server() throws Exception {
        apptap.engine.rules().on(anyRequestTo("api.example.test")).forwardTo(forwardTo("127.0.0.1", routedServer.port()));

        String out = nghttp("https", "/hello?via=h2-route");

        assertThat(out).contains(":status: 200").contains(OriginServer.HELLO);
        HttpFlow flow = apptap.awaitHttp(f -> f.request().query().equals("via=h2-route"));
        assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.ROUTED);
        assertThat(flow.request().version()).isEqualTo("HTTP/2");
        assertThat(flow.request().url()).startsWith("https://api.example.test:");
        assertThat(flow.tls().orElseThrow().alpn()).isEqualTo("h2");
        assertThat(flow.status()).isEqualTo(200);
        assertThat(flow.response().orElseThrow().body().text()).isEqualTo(OriginServer.HELLO);
        RecordedRequest atServer = routedServer.requests().stream()
                .filter(r -> r.uri().equals("/hello?via=h2-route")).findFirst().orElseThrow();
        assertThat(atServer.protocol()).isEqualTo("HTTP/1.1");
        assertThat(atServer.header("Host")).hasValueSatisfying(host -> assertThat(host).startsWith("api.example.test"));
        assertThat(atServer.headers("x-http2-stream-id")).isEmpty();
    }

    @Test
    void routesAnH2OnlyAppWithPriorKnowledgeToTheRoutedServer() throws Exception {
        apptap.engine.rules().on(anyRequestTo("api.example.test")).forwardTo(forwardTo("127.0.0.1", routedServer.port()));

        String out = nghttp("http", "/hello?via=h2c-route");

        assertThat(out).contains(":status: 200").contains(OriginServer.HELLO);
        HttpFlow flow = apptap.awaitHttp(f -> f.request().query().equals("via=h2c-route"));
        assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.ROUTED);
        assertThat(flow.request().version()).isEqualTo("HTTP/2");
        assertThat(flow.tls()).isEmpty();
        assertThat(routedServer.requests()).anySatisfy(r -> assertThat(r.uri()).isEqualTo("/hello?via=h2c-route"));
    }

    @Test
    void routesAnH2RequestBodyToTheRoutedServerAndItsAnswerBack() throws Exception {
        apptap.engine.rules().on(anyRequestTo("api.example.test")).forwardTo(forwardTo("127.0.0.1", routedServer.port()));
        String body = "sent over h2, answered over HTTP/1.1 ".repeat(2_000);
        Path upload = Files.writeString(dir.resolve("upload.txt"), body);

        String out = nghttp("https", "/echo?via=h2-route-body", "-d", upload.toString());

        assertThat(out).isEqualTo(body);
        HttpFlow flow = apptap.awaitHttp(f -> f.request().query().equals("via=h2-route-body"));
        assertThat(flow.request().method()).isEqualTo("POST");
        assertThat(flow.request().body().text()).isEqualTo(body);
        assertThat(flow.response().orElseThrow().body().text()).isEqualTo(body);
    }

    @Test
    void answersAnH2OnlyAppFromAStub() throws Exception {
        apptap.engine.rules().on(get("https://api.example.test/v1/items"))
                .respond(respond(200).withBody("[{\"id\":1}]").withHeader("X-Stub", "yes"));

        String out = nghttp("https", "/v1/items");

        assertThat(out).contains(":status: 200").contains("x-stub: yes").contains("[{\"id\":1}]");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/v1/items"));
        assertThat(flow.isStubbed()).isTrue();
        assertThat(flow.request().version()).isEqualTo("HTTP/2");
        assertThat(flow.error()).isEmpty();
    }

    @Test
    void answersAnH2OnlyAppWhileOfflineWith502NamingTheRequest() throws Exception {
        String out = nghttp("https", "/v1/unstubbed");

        assertThat(out).contains(":status: 502")
                .contains("apptap is offline and no stub matched GET https://api.example.test:");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/v1/unstubbed"));
        assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.OFFLINE);
        assertThat(flow.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.NO_STUB_MATCHED);
    }

    /**
     * Runs nghttp (verbose, so the frames show among the body, unless {@code more} asks for a body: then the answer's
     * body alone) against {@code scheme://127.0.0.1:<nothing listens>path} as
     * {@code api.example.test}, its connection redirected to apptap.
     */
    private static String nghttp(String scheme, String path, String... more) throws Exception {
        List<String> command = new ArrayList<>(List.of("nghttp", "-H", ":authority: api.example.test"));
        if (more.length == 0) {
            command.add("-v");
        }
        command.addAll(List.of(more));
        command.add(scheme + "://127.0.0.1:" + nothingListens + path);
        try (CgroupRedirect redirect = CgroupRedirect.redirectTo(apptap.engine.transparentAddresses().get(0).getPort())) {
            Process nghttp = redirect.start(command, Map.of());
            byte[] out = nghttp.getInputStream().readAllBytes();
            assertThat(nghttp.waitFor(30, TimeUnit.SECONDS)).isTrue();
            return new String(out, StandardCharsets.UTF_8);
        }
    }
}
