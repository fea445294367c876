package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.testing.ClientResult;
import dev.apptap.proxy.testing.Clients;
import dev.apptap.proxy.testing.Nghttpd;
import dev.apptap.proxy.testing.OriginServer;
import dev.apptap.proxy.testing.nft.CgroupRedirect;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real HTTP/2 clients (curl, h2load) through the MITM to a real HTTP/2 server (nghttpd). */
class Http2EndToEndTest {

    private static final long HUNDRED_MIB = 100L << 20;

    @TempDir
    static Path dir;

    static EngineFixture apptap;
    static Nghttpd h2;
    static Nghttpd h2c;

    @BeforeAll
    static void start() throws IOException {
        Clients.assumeInstalled("curl");
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Files.writeString(docroot.resolve("hello"), "hello over h2\n");
        try (RandomAccessFile big = new RandomAccessFile(docroot.resolve("big").toFile(), "rw")) {
            big.setLength(HUNDRED_MIB);
        }
        h2 = Nghttpd.tls(docroot, dir);
        h2c = Nghttpd.cleartext(docroot, dir);
        int port = TransparentEndToEndTest.freePort();
        apptap = EngineFixture.start(dir.resolve("trust"), b -> b
                .transparentListener(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[]{apptap, h2, h2c}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the rest still closes
            }
        }
    }

    @Test
    void relaysCurlHttp2AndRecordsTheStreamAsAFlow() {
        ClientResult result = Clients.curl(apptap.proxyEnvironment(), "-sS", "--http2", "-w", "|%{http_version}",
                h2.url("/hello?via=h2")).requireSuccess();

        assertThat(result.stdout()).isEqualTo("hello over h2\n|2");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().query().equals("via=h2"));
        assertThat(flow.request().version()).isEqualTo("HTTP/2");
        assertThat(flow.request().method()).isEqualTo("GET");
        assertThat(flow.request().url()).isEqualTo(h2.url("/hello?via=h2"));
        assertThat(flow.tls().orElseThrow().alpn()).isEqualTo("h2");
        assertThat(flow.response().orElseThrow().status()).isEqualTo(200);
        assertThat(flow.response().orElseThrow().body().text()).isEqualTo("hello over h2\n");
        assertThat(flow.response().orElseThrow().trailers().first("x-checksum")).hasValue("done");
        assertThat(flow.process().name()).isEqualTo("curl");
    }

    @Test
    void completesAHundredMebibyteDownloadOverOneStream() {
        ClientResult result = Clients.curl(apptap.proxyEnvironment(), "-sS", "--http2", "-o", "/dev/null",
                "-w", "%{size_download}", h2.url("/big")).requireSuccess();

        assertThat(result.stdout()).isEqualTo(String.valueOf(HUNDRED_MIB));
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/big"));
        assertThat(flow.response().orElseThrow().body().size()).isEqualTo(HUNDRED_MIB);
        assertThat(flow.response().orElseThrow().body().isTruncated()).isTrue();
    }

    @Test
    void speaksHttp11ToTheAppWhenTheServerOnlySpeaksHttp11() {
        try (OriginServer http11 = OriginServer.startTls()) {
            ClientResult result = Clients.curl(apptap.proxyEnvironment(), "-sS", "--http2", "-w", "|%{http_version}",
                    http11.url("localhost", "/hello?via=fallback")).requireSuccess();

            assertThat(result.stdout()).endsWith("|1.1");
            HttpFlow flow = apptap.awaitHttp(f -> f.request().query().equals("via=fallback"));
            assertThat(flow.request().version()).isEqualTo("HTTP/1.1");
            assertThat(flow.tls().orElseThrow().offeredAlpn()).containsExactly("h2", "http/1.1");
            assertThat(flow.tls().orElseThrow().alpn()).isEqualTo("http/1.1");
            assertThat(http11.connectionCount()).as("the connection opened during the handshake is reused").isEqualTo(1);
        }
    }

    @Test
    void relaysH2loadLoadTransparentlyWithEveryStreamRecorded() throws Exception {
        assumeTrue(CgroupRedirect.isAvailable(), CgroupRedirect::unavailableReason);
        Clients.assumeInstalled("h2load");
        int requests = 200;
        try (CgroupRedirect redirect = CgroupRedirect.redirectTo(apptap.engine.transparentAddresses().get(0).getPort())) {
            Process h2load = redirect.start(List.of("h2load", "-n", String.valueOf(requests), "-c", "4", "-m", "10",
                    h2.url("/hello?via=h2load")), Map.of());
            String out = new String(h2load.getInputStream().readAllBytes());
            assertThat(h2load.waitFor(60, TimeUnit.SECONDS)).isTrue();

            assertThat(out).as("flows: %s", apptap.all().stream().limit(5).map(f -> f.summary()).toList())
                    .contains(requests + " succeeded, 0 failed, 0 errored");
            assertThat(apptap.engine.flows().view().awaitCount(requests,
                    Duration.ofSeconds(10))).isNotEmpty();
            assertThat(apptap.all()).filteredOn(f -> f instanceof HttpFlow h && h.request().query().equals("via=h2load")
                    && h.isComplete() && h.response().map(r -> r.status() == 200).orElse(false)).hasSize(requests);
        }
    }

    @Test
    void relaysCleartextHttp2WithPriorKnowledge() throws Exception {
        assumeTrue(CgroupRedirect.isAvailable(), CgroupRedirect::unavailableReason);
        try (CgroupRedirect redirect = CgroupRedirect.redirectTo(apptap.engine.transparentAddresses().get(0).getPort())) {
            Process curl = redirect.start(List.of("curl", "-sS", "--http2-prior-knowledge", "-w", "|%{http_version}",
                    h2c.url("/hello?via=h2c")), Map.of());
            String out = new String(curl.getInputStream().readAllBytes());
            assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();

            assertThat(out).isEqualTo("hello over h2\n|2");
            HttpFlow flow = apptap.awaitHttp(f -> f.request().query().equals("via=h2c"));
            assertThat(flow.request().version()).isEqualTo("HTTP/2");
            assertThat(flow.tls()).isEmpty();
        }
    }
}
