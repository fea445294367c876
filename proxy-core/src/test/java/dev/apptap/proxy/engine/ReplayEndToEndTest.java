package dev.apptap.proxy.engine;

import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.Actions.respondInSequence;
import static dev.apptap.proxy.rules.Actions.respondJson;
import static dev.apptap.proxy.rules.RequestMatcher.anyRequest;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static dev.apptap.proxy.rules.RequestMatcher.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.har.HarWriter;
import dev.apptap.proxy.rules.Replay;
import dev.apptap.proxy.rules.WebSocketScript;
import dev.apptap.proxy.testing.ClientResult;
import dev.apptap.proxy.testing.Clients;
import dev.apptap.proxy.testing.OriginServer;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Record → replay and answers computed per request, with real apps: a run recorded to a HAR by apptap itself is
 * replayed to curl and python3 with the origin stopped; a browser's HAR is replayed over HTTP/2 to node; curl's
 * retries meet a sequence of answers.
 */
class ReplayEndToEndTest {

    @TempDir
    Path dir;

    EngineFixture apptap;

    @AfterEach
    void stop() {
        if (apptap != null) {
            apptap.close();
        }
    }

    @Test
    void replaysARecordedRunToCurlAndPython3WithTheOriginStopped() throws Exception {
        Clients.assumeInstalled("curl");
        Clients.assumeInstalled("python3");
        Path har = dir.resolve("api.har");
        String hello;
        String gzip;
        String echo;
        try (OriginServer origin = OriginServer.startTls()) {
            hello = origin.url("upstream.test", "/hello");
            gzip = origin.url("upstream.test", "/gzip");
            echo = origin.url("upstream.test", "/echo");
            apptap = EngineFixture.start(dir.resolve("trust-record"));
            Clients.curl(apptap.proxyEnvironment(), "-sS", hello).requireSuccess();
            Clients.curl(apptap.proxyEnvironment(), "-sS", "--compressed", gzip).requireSuccess();
            Clients.curl(apptap.proxyEnvironment(), "-sS", "-H", "Content-Type: text/plain", "-d", "ping", echo)
                    .requireSuccess();
            apptap.awaitHttp(f -> f.request().path().equals("/echo"));
            HarWriter.write(apptap.all(), har);
            apptap.close();
        }

        apptap = EngineFixture.start(dir.resolve("trust-replay"));
        apptap.engine.rules().on(anyRequest()).respond(Replay.of(har).answer());

        assertThat(Clients.curl(apptap.proxyEnvironment(), "-sS", hello).requireSuccess().stdout())
                .isEqualTo(OriginServer.HELLO);
        assertThat(Clients.curl(apptap.proxyEnvironment(), "-sS", gzip).requireSuccess().stdout())
                .as("HAR keeps bodies decoded, so the replay sends them without the recorded Content-Encoding")
                .isEqualTo(OriginServer.GZIP_JSON);
        assertThat(Clients.curl(apptap.proxyEnvironment(), "-sS", "-H", "Content-Type: text/plain", "-d", "ping", echo)
                .requireSuccess().stdout()).isEqualTo("ping");
        ClientResult python = Clients.python3(apptap.proxyEnvironment(),
                "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())", hello)
                .requireSuccess();
        assertThat(python.stdout().strip()).isEqualTo(OriginServer.HELLO);
        HttpFlow replayed = apptap.awaitHttp(f -> f.request().path().equals("/hello"));
        assertThat(replayed.isStubbed()).isTrue();
        assertThat(replayed.handling().rule()).contains("replay api.har");
    }

    @Test
    void unrecordedRequestGets502NamingTheClosestRecordedRequest() {
        Clients.assumeInstalled("curl");
        apptap = EngineFixture.start(dir.resolve("trust"));
        apptap.engine.rules().on(anyRequest()).respond(Replay.of(fixture("mitmproxy.har")).answer());

        ClientResult result = Clients.curl(apptap.proxyEnvironment(), "-sS", "-w", "|%{http_code}",
                "http://jobs.test/jobs/8");

        assertThat(result.stdout()).contains("recorded no request like GET http://jobs.test/jobs/8",
                "GET http://jobs.test:80/jobs/7", "path: expected /jobs/7 but was /jobs/8").endsWith("|502");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/jobs/8"));
        assertThat(flow.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.NO_STUB_MATCHED);
        assertThat(flow.error().orElseThrow().message()).contains("mitmproxy.har");
    }

    @Test
    void python3PollingGetsTheRecordedResponsesInOrderThenTheLastAgain() {
        Clients.assumeInstalled("python3");
        apptap = EngineFixture.start(dir.resolve("trust"));
        apptap.engine.rules().on(anyRequest()).respond(Replay.of(fixture("mitmproxy.har")).answer());

        ClientResult result = Clients.python3(apptap.proxyEnvironment(), """
                import json, urllib.request
                print(",".join(json.load(urllib.request.urlopen("http://jobs.test/jobs/7"))["state"] for _ in range(4)))
                """).requireSuccess();

        assertThat(result.stdout().strip()).isEqualTo("queued,running,done,done");
    }

    @Test
    void replaysABrowserHarOverHttp2ToNode() {
        Clients.assumeInstalled("node");
        apptap = EngineFixture.start(dir.resolve("trust"));
        apptap.engine.rules().on(anyRequest()).respond(Replay.of(fixture("chrome.har")).answer());

        ClientResult result = nodeOverH2("shop.test", "/api/cart?session=abc&ts=1701424800", "x-cart");

        assertThat(result.stdout().strip()).isEqualTo("200 chrome {\"items\":2,\"total\":\"9.90\"}");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/api/cart"));
        assertThat(flow.request().version()).isEqualTo("HTTP/2");
        assertThat(flow.isStubbed()).isTrue();
    }

    @Test
    void curlRetriesMeetASequenceOf503ThenOk() {
        Clients.assumeInstalled("curl");
        apptap = EngineFixture.start(dir.resolve("trust"));
        apptap.engine.rules().offline(true);
        apptap.engine.rules().on(get("https://api.example.test/flaky"))
                .respond(respondInSequence(respond(503), respond(503), respond(200).withBody("ok")));

        ClientResult result = Clients.curl(apptap.proxyEnvironment(), "-sS", "--retry", "3", "--retry-delay", "1",
                "-w", "|%{http_code}", "https://api.example.test/flaky").requireSuccess();

        assertThat(result.stdout()).isEqualTo("ok|200");
        assertThat(apptap.all().stream().filter(f -> f instanceof HttpFlow).map(f -> ((HttpFlow) f).status()))
                .containsExactly(503, 503, 200);
    }

    @Test
    void plainGetOfARecordedWebSocketGets400SayingItIsNoUpgradeOverHttp11AndH2() {
        Clients.assumeInstalled("curl");
        apptap = EngineFixture.start(dir.resolve("trust"));
        apptap.engine.rules().on(get("https://chat.test/socket"))
                .respond(respond(101).withWebSocket(WebSocketScript.empty().receive("welcome")));

        ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", "--http1.1", "-w", "|%{http_code}",
                "https://chat.test/socket").requireSuccess();
        assertThat(curl.stdout()).contains("no WebSocket upgrade").endsWith("|400");

        Clients.assumeInstalled("node");
        ClientResult node = nodeOverH2("chat.test", "/socket", "x-apptap-error");
        assertThat(node.stdout().strip()).startsWith("400 true ").contains("no WebSocket upgrade");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().version().equals("HTTP/2"));
        assertThat(flow.error().map(FlowError::message).orElseThrow()).contains("/socket with a WebSocket")
                .contains("over HTTP/2");
    }

    @Test
    void python3PostGetsAnAnswerComputedFromItsJsonBody() {
        Clients.assumeInstalled("python3");
        apptap = EngineFixture.start(dir.resolve("trust"));
        apptap.engine.rules().offline(true);
        apptap.engine.rules().on(post("https://api.example.test/users")).respond(request -> respondJson(201,
                Map.of("id", 7, "name", request.jsonAt("/name").orElse("?"))));

        ClientResult result = Clients.python3(apptap.proxyEnvironment(), """
                import json, urllib.request
                r = urllib.request.urlopen(urllib.request.Request("https://api.example.test/users",
                    data=json.dumps({"name": "ann"}).encode(), headers={"Content-Type": "application/json"}))
                print(r.status, json.load(r)["name"])
                """).requireSuccess();

        assertThat(result.stdout().strip()).isEqualTo("201 ann");
    }

    private static Path fixture(String name) {
        try {
            return Path.of(ReplayEndToEndTest.class.getResource("/har/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * GETs {@code path} from {@code host} with node's http2 client, which offers only h2, through a CONNECT tunnel to
     * apptap's proxy; prints the status, the response's {@code header} and the body.
     */
    private ClientResult nodeOverH2(String host, String path, String header) {
        InetSocketAddress proxy = apptap.engine.explicitAddress();
        // node -e: argv[1] is the first argument
        return Clients.node(apptap.proxyEnvironment(), """
                const http = require('http'), http2 = require('http2'), tls = require('tls');
                const [proxyHost, proxyPort, host, path, header] = process.argv.slice(1);
                http.request({host: proxyHost, port: proxyPort, method: 'CONNECT', path: host + ':443'})
                  .on('connect', (res, socket) => {
                    const session = http2.connect('https://' + host, {createConnection: () =>
                        tls.connect({socket, servername: host, ALPNProtocols: ['h2']})});
                    const req = session.request({':path': path});
                    let body = '';
                    req.on('response', h => body += h[':status'] + ' ' + h[header] + ' ');
                    req.on('data', d => body += d);
                    req.on('end', () => { console.log(body); session.close(); socket.destroy(); });
                  }).end();
                """, proxy.getAddress().getHostAddress(), String.valueOf(proxy.getPort()), host, path, header)
                .requireSuccess();
    }
}
