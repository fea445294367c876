package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.TcpFlow;
import dev.apptap.proxy.testing.ClientResult;
import dev.apptap.proxy.testing.Clients;
import dev.apptap.proxy.testing.OriginServer;
import dev.apptap.proxy.testing.TestPki;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real apps using apptap as their proxy (LAUNCH mode), against real local servers, plain and TLS. */
class ExplicitProxyEndToEndTest {

    @TempDir
    static Path dir;

    static EngineFixture apptap;
    static OriginServer plain;
    static OriginServer tls;

    @BeforeAll
    static void start() {
        Clients.assumeInstalled("curl");
        apptap = EngineFixture.start(dir.resolve("trust"));
        plain = OriginServer.start();
        tls = OriginServer.startTls();
    }

    @AfterAll
    static void stop() {
        if (apptap != null) {
            apptap.close();
        }
        if (plain != null) {
            plain.close();
        }
        if (tls != null) {
            tls.close();
        }
    }

    private static ClientResult curl(String... args) {
        return Clients.curl(apptap.proxyEnvironment(), args);
    }

    @Test
    void recordsCurlPlainHttpGetWithItsProcess() {
        ClientResult result = curl("-sS", plain.url("/hello?via=plain")).requireSuccess();

        assertThat(result.stdout()).contains("hello from origin");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().url().endsWith("/hello?via=plain"));
        assertThat(flow.request().method()).isEqualTo("GET");
        assertThat(flow.request().query()).isEqualTo("via=plain");
        assertThat(flow.response()).hasValueSatisfying(r -> {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body().text()).contains("hello from origin");
        });
        assertThat(flow.process().name()).isEqualTo("curl");
        assertThat(flow.process().commandLine()).contains(plain.url("/hello?via=plain"));
        assertThat(flow.error()).isEmpty();
        assertThat(flow.tls()).isEmpty();
    }

    @Test
    void decryptsCurlHttpsThroughConnectAndRecordsTlsFacts() {
        ClientResult result = curl("-sS", tls.url("localhost", "/hello?via=connect")).requireSuccess();

        assertThat(result.stdout()).contains("hello from origin");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().url().equals(tls.url("localhost", "/hello?via=connect")));
        assertThat(flow.request().scheme()).isEqualTo("https");
        assertThat(flow.tls()).hasValueSatisfying(t -> {
            assertThat(t.sni()).isEqualTo("localhost");
            assertThat(t.alpn()).isEqualTo("http/1.1");
            assertThat(t.version()).startsWith("TLSv1.");
            assertThat(t.passthrough()).isFalse();
        });
        assertThat(flow.response().orElseThrow().status()).isEqualTo(200);
    }

    @Test
    void streamsABigUploadWhileRecordingOnlyItsFirstMebibyte() throws Exception {
        byte[] data = new byte[5 * 1024 * 1024 + 17];
        new Random(7).nextBytes(data);
        Path file = Files.write(dir.resolve("upload.bin"), data);

        ClientResult result = curl("-sS", "-H", "Content-Type: application/octet-stream",
                "--data-binary", "@" + file, tls.url("localhost", "/echo-size")).requireSuccess();

        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        assertThat(result.stdout()).contains(String.valueOf(data.length)).contains(sha);
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/echo-size") && f.request().body().size() == data.length);
        assertThat(flow.request().body().isTruncated()).isTrue();
        assertThat(flow.request().body().rawBytes()).hasSize(1 << 20);
        assertThat(flow.request().headers().first("expect")).as("curl asks to continue for big bodies")
                .hasValue("100-continue");
        assertThat(flow.response().orElseThrow().status()).isEqualTo(200);
    }

    @Test
    void opensTheUpstreamTlsConnectionWhileTheAppsHandshakeGoesOn() throws Exception {
        Clients.assumeInstalled("openssl");
        int before = tls.connectionCount();

        // s_client handshakes and hangs up at the end of its (empty) input, before sending any request
        ClientResult result = Clients.command("openssl", "s_client", "-proxy", apptap.proxyUrl().replace("http://", ""),
                "-connect", "localhost:" + tls.port(), "-servername", "localhost", "-alpn", "http/1.1").run();

        assertThat(result.stdout()).contains("BEGIN CERTIFICATE");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (tls.connectionCount() == before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(tls.connectionCount() - before).as("upstream connections opened for a handshake without a request")
                .isEqualTo(1);
    }

    @Test
    void followsRedirectsAsSeparateFlowsOnOneKeptAliveConnection() {
        int before = tls.connectionCount();

        ClientResult result = curl("-sS", "-L", tls.url("localhost", "/redirect/2")).requireSuccess();

        assertThat(result.stdout()).contains("hello from origin");
        apptap.awaitHttp(f -> f.request().path().equals("/hello") && f.request().url().startsWith(tls.url("localhost", "")));
        assertThat(apptap.all()).filteredOn(f -> f instanceof HttpFlow h && h.request().path().startsWith("/redirect/"))
                .extracting(f -> ((HttpFlow) f).response().orElseThrow().status())
                .contains(302, 302);
        assertThat(tls.connectionCount() - before).as("upstream connections for three requests").isEqualTo(1);
    }

    @Test
    void recordsPython3UrllibOverHttps() {
        Clients.assumeInstalled("python3");
        ClientResult result = Clients.python3(apptap.proxyEnvironment(),
                "import urllib.request,sys\n"
                        + "r = urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b'{\"a\":1}',"
                        + " headers={'Content-Type': 'application/json'}))\n"
                        + "print(r.status, r.read().decode())",
                tls.url("localhost", "/echo")).requireSuccess();

        assertThat(result.stdout()).contains("200").contains("{\"a\":1}");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/echo") && f.request().method().equals("POST")
                && f.process().name().startsWith("python"));
        assertThat(flow.request().body().text()).isEqualTo("{\"a\":1}");
        assertThat(flow.response().orElseThrow().body().text()).isEqualTo("{\"a\":1}");
    }

    @Test
    void decodesGzipResponseBodies() {
        curl("-sS", "--compressed", plain.url("/gzip")).requireSuccess();

        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/gzip"));
        assertThat(flow.response().orElseThrow().body().contentEncoding()).isEqualTo("gzip");
        assertThat(flow.response().orElseThrow().body().text()).startsWith("{");
    }

    @Test
    void answersPipelinedRequestsInOrder() throws IOException {
        String authority = "127.0.0.1:" + plain.port();
        String requests = ("GET http://" + authority + "/slow/150 HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                + ("GET http://" + authority + "/hello HTTP/1.1\r\nHost: " + authority + "\r\nConnection: close\r\n\r\n");

        String answer = RawSockets.exchange(apptap.engine.explicitAddress(), requests.getBytes());

        assertThat(answer.indexOf("HTTP/1.1 200")).isGreaterThanOrEqualTo(0);
        assertThat(answer.indexOf("slept")).as("the slow response comes first").isLessThan(answer.indexOf("hello from origin"));
    }

    @Test
    void answers502NamingTheRefusedServer() throws IOException {
        int closedPort;
        try (var probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        ClientResult result = curl("-sS", "-w", "%{http_code}", "http://127.0.0.1:" + closedPort + "/nothing");

        assertThat(result.stdout()).contains("refused apptap's connection").endsWith("502");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/nothing"));
        assertThat(flow.error()).hasValueSatisfying(e -> {
            assertThat(e.kind()).isEqualTo(FlowError.Kind.UPSTREAM_REFUSED);
            assertThat(e.message()).contains("127.0.0.1:" + closedPort).contains("Connection refused");
        });
        assertThat(flow.response().orElseThrow().status()).isEqualTo(502);
    }

    @Test
    void answers502WhenTheNameDoesNotResolve() {
        ClientResult result = curl("-sS", "-w", "%{http_code}", "http://unknown-host.test/x");

        assertThat(result.stdout()).contains("could not resolve the host name unknown-host.test").endsWith("502");
        assertThat(apptap.awaitHttp(f -> f.request().host().equals("unknown-host.test")).error().orElseThrow().kind())
                .isEqualTo(FlowError.Kind.UPSTREAM_DNS);
    }

    @Test
    void answers502WhenTheUpstreamCertificateIsNotTrusted() {
        try (OriginServer untrusted = OriginServer.builder().tls(TestPki.get().untrustedSelfSigned()).start()) {
            ClientResult result = curl("-sS", "-w", "%{http_code}", untrusted.url("localhost", "/secret"));

            assertThat(result.stdout()).contains("TLS handshake with localhost").endsWith("502");
            HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/secret"));
            assertThat(flow.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.UPSTREAM_TLS);
            assertThat(flow.error().orElseThrow().message()).contains("upstream trust");
        }
    }

    @Test
    void answers502WhenTheUpstreamDoesNotAnswerInTime() {
        try (EngineFixture impatient = EngineFixture.start(dir.resolve("trust-impatient"),
                b -> b.responseTimeout(Duration.ofMillis(300)))) {
            ClientResult result = Clients.curl(impatient.proxyEnvironment(), "-sS", "-w", "%{http_code}",
                    plain.url("/slow/3000"));

            assertThat(result.stdout()).contains("did not begin answering").endsWith("502");
            assertThat(impatient.awaitHttp(f -> f.request().path().equals("/slow/3000")).error().orElseThrow().kind())
                    .isEqualTo(FlowError.Kind.UPSTREAM_TIMEOUT);
        }
    }

    @Test
    void recordsThatCurlRejectedTheCertificateNamingCurlAndTheHost() {
        Map<String, String> proxyOnly = Map.of("HTTPS_PROXY", apptap.proxyUrl(), "SSL_CERT_FILE", "/nonexistent",
                "CURL_CA_BUNDLE", TestPki.get().caPemFile().toString());

        ClientResult result = Clients.curl(proxyOnly, "-sS", tls.url("localhost", "/rejected"));

        assertThat(result.exitCode()).isEqualTo(60);
        TcpFlow flow = apptap.awaitTcp(f -> f.error().map(e -> e.kind() == FlowError.Kind.CLIENT_REJECTED_CERTIFICATE).orElse(false)
                && f.process().name().equals("curl"));
        assertThat(flow.error().orElseThrow().message())
                .startsWith("curl (pid " + flow.process().pid() + ") rejected apptap's certificate for localhost")
                .contains("CURL_CA_BUNDLE=" + apptap.trust.caBundle());
    }

}
