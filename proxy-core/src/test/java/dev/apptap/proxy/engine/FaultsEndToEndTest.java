package dev.apptap.proxy.engine;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static dev.apptap.proxy.rules.Actions.forwardTo;
import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.anyRequestTo;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.TcpFlow;
import dev.apptap.proxy.rules.Fault;
import dev.apptap.proxy.testing.ClientResult;
import dev.apptap.proxy.testing.Clients;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults a rule asks for, as real apps (curl, python3) see them: on stubs, on routes to a loopback server and on
 * requests passed through to it. Each flow says what apptap did.
 */
class FaultsEndToEndTest {

    private static final String BODY = "0123456789abcdef".repeat(256); // 4 KiB

    @TempDir
    Path dir;

    EngineFixture apptap;
    WireMockServer backend;

    @BeforeEach
    void start() {
        Clients.assumeInstalled("curl");
        apptap = EngineFixture.start(dir.resolve("trust"));
        backend = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        backend.start();
        backend.stubFor(WireMock.get("/big").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Length", String.valueOf(BODY.length())).withBody(BODY)));
    }

    @AfterEach
    void stop() {
        apptap.close();
        backend.stop();
    }

    @Test
    void resetsCurlsConnectionInsteadOfTheStubsAnswer() {
        stub("/reset", Fault.connectionReset());

        ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", "https://api.example.test/reset");

        assertThat(curl.exitCode()).as(curl.stderr()).isEqualTo(56);
        assertThat(curl.stderr()).contains("Connection reset by peer");
        assertThat(faultOf("/reset")).startsWith("apptap reset the connection (TCP RST) of curl")
                .endsWith("instead of answering GET https://api.example.test/reset, as the rule #1 GET"
                        + " https://api.example.test/reset asked.");
    }

    @Test
    void cutsAStubsBodyOffAfterTheGivenBytes() {
        stub("/cut", Fault.closeAfterBodyBytes(512));

        ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", "https://api.example.test/cut");

        assertThat(curl.exitCode()).as(curl.stderr()).isEqualTo(18);
        assertThat(curl.stderr()).contains("transfer closed with 3584 bytes remaining to read");
        assertThat(curl.stdout()).isEqualTo(BODY.substring(0, 512));
        assertThat(faultOf("/cut")).contains("after 512 bytes of the response body to GET https://api.example.test/cut");
    }

    @Test
    void closesAfterTheStubsHeadBeforeItsBody() {
        stub("/headless", Fault.closeBeforeBody());

        ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", "https://api.example.test/headless");

        assertThat(curl.exitCode()).as(curl.stderr()).isEqualTo(18);
        assertThat(curl.stderr()).contains("transfer closed with 4096 bytes remaining to read");
    }

    @Test
    void sendsCurlBytesThatAreNotHttp() {
        stub("/garbage", Fault.malformedResponse());

        ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", "https://api.example.test/garbage");

        assertThat(curl.exitCode()).as(curl.stderr()).isNotZero();
        assertThat(curl.stderr()).contains("HTTP/0.9");
        assertThat(faultOf("/garbage")).contains("bytes that are not HTTP");
    }

    @Test
    void hangsUntilCurlGivesUpAndThenLetsTheConnectionGo() {
        stub("/hang", Fault.hang());

        ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", "--max-time", "2",
                "https://api.example.test/hang");

        assertThat(curl.exitCode()).as(curl.stderr()).isEqualTo(28);
        assertThat(faultOf("/hang")).contains("sent nothing in answer to GET https://api.example.test/hang");
        // the engine still answers on a new connection
        apptap.engine.rules().on(get("https://api.example.test/after")).respond(respond(200).withBody("fine"));
        assertThat(Clients.curl(apptap.proxyEnvironment(), "-sS", "https://api.example.test/after")
                .requireSuccess().stdout()).isEqualTo("fine");
    }

    @Test
    void cutsARoutedResponseOffAfterTheGivenBytes() {
        apptap.engine.rules().on(get("https://api.example.test/big"))
                .forwardTo(forwardTo("127.0.0.1", backend.port()).withFault(Fault.closeAfterBodyBytes(1000)));

        ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", "https://api.example.test/big");

        assertThat(curl.exitCode()).as(curl.stderr()).isEqualTo(18);
        assertThat(curl.stderr()).contains("transfer closed with 3096 bytes remaining to read");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/big"));
        assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.ROUTED);
        assertThat(flow.fault().orElseThrow().message()).contains("after 1000 bytes of the response body");
    }

    @Test
    void throttlesAResponsePassedThroughFromALoopbackServer() {
        String url = "http://backend.test:" + backend.port() + "/big";
        apptap.engine.rules().on(get(url)).passThroughWith(Fault.throttle(1024));

        ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", url).requireSuccess();

        assertThat(curl.stdout()).isEqualTo(BODY);
        // 4 KiB and a head at 1 KiB/s cannot arrive sooner (a lower bound, not a speed target)
        assertThat(curl.duration()).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/big"));
        assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.UPSTREAM);
        assertThat(flow.fault().orElseThrow().message()).contains("at 1024 bytes per second");
        assertThat(flow.response().orElseThrow().body().size()).isEqualTo(BODY.length());
    }

    @Test
    void resetsAConnectionPassedThroughToALoopbackServer() {
        String url = "http://backend.test:" + backend.port() + "/big";
        apptap.engine.rules().on(get(url)).passThroughWith(Fault.connectionReset());

        ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", url);

        assertThat(curl.exitCode()).as(curl.stderr()).isEqualTo(56);
        assertThat(curl.stderr()).contains("Connection reset by peer");
        assertThat(apptap.awaitHttp(f -> f.request().path().equals("/big")).error().orElseThrow().kind())
                .isEqualTo(FlowError.Kind.FAULT);
        assertThat(apptap.engine.flows().view().faulted().httpFlows()).singleElement()
                .satisfies(flow -> assertThat(flow.request().path()).isEqualTo("/big"));
    }

    @Test
    void python3SeesAResetACutOffBodyAndGarbageAsItsOwnErrors() {
        Clients.assumeInstalled("python3");
        stub("/reset", Fault.connectionReset());
        stub("/cut", Fault.closeAfterBodyBytes(512));
        stub("/garbage", Fault.malformedResponse());
        String passedThrough = "http://backend.test:" + backend.port() + "/big";
        apptap.engine.rules().on(get(passedThrough)).passThroughWith(Fault.closeBeforeBody());

        ClientResult python = Clients.python3(apptap.proxyEnvironment(), String.join("\n",
                "import sys, urllib.request",
                "for url in sys.argv[1:]:",
                "    try:",
                "        urllib.request.urlopen(url).read()",
                "        print('no error')",
                "    except Exception as e:",
                "        print(type(e).__name__, isinstance(e, ConnectionResetError))"),
                "https://api.example.test/reset", "https://api.example.test/cut", "https://api.example.test/garbage",
                passedThrough).requireSuccess();

        // http.client's RemoteDisconnected is its ConnectionResetError for a reset before the status line
        assertThat(python.stdout().lines()).containsExactly("RemoteDisconnected True", "IncompleteRead False",
                "BadStatusLine False", "IncompleteRead False");
    }

    @Test
    void failsTheTlsHandshakeOfCurlAndPython3ForTheRulesHost() {
        apptap.engine.rules().on(anyRequestTo("api.example.test")).passThroughWith(Fault.tlsHandshakeFailure());

        ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", "https://api.example.test/x");

        assertThat(curl.exitCode()).as(curl.stderr()).isEqualTo(35);
        assertThat(curl.stderr()).contains("handshake failure");
        TcpFlow flow = apptap.awaitTcp(f -> f.error().isPresent());
        assertThat(flow.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.FAULT);
        assertThat(flow.error().orElseThrow().message()).startsWith("apptap ended the TLS handshake of curl")
                .endsWith("for api.example.test with a fatal handshake_failure alert, as the rule #1 any request to"
                        + " api.example.test asked.");
        if (Clients.isInstalled("python3")) {
            ClientResult python = Clients.python3(apptap.proxyEnvironment(), String.join("\n",
                    "import urllib.request",
                    "try:",
                    "    urllib.request.urlopen('https://api.example.test/x')",
                    "except Exception as e:",
                    "    print(e)")).requireSuccess();
            assertThat(python.stdout()).contains("SSLV3_ALERT_HANDSHAKE_FAILURE");
        }
    }

    private void stub(String path, Fault fault) {
        apptap.engine.rules().on(get("https://api.example.test" + path))
                .respond(respond(200).withBody(BODY).withFault(fault));
    }

    private String faultOf(String path) {
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals(path));
        assertThat(flow.isStubbed()).isTrue();
        return flow.fault().orElseThrow().message();
    }
}
