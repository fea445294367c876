package dev.apptap.proxy.engine;

import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.rules.Fault;
import dev.apptap.proxy.testing.Clients;
import dev.apptap.proxy.testing.nft.CgroupRedirect;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
 * Faults on an h2 stub as nghttp (an h2-only app, redirected transparently) sees them: a cut is a RST_STREAM after
 * the bytes given, a hang holds the stream until nghttp's own timeout, a connection reset takes the connection down.
 */
class Http2FaultsEndToEndTest {

    private static final String BODY = "0123456789abcdef".repeat(256);

    @TempDir
    static Path dir;

    static EngineFixture apptap;
    static int nothingListens;

    @BeforeAll
    static void start() throws IOException {
        Clients.assumeInstalled("nghttp");
        assumeTrue(CgroupRedirect.isAvailable(), CgroupRedirect::unavailableReason);
        int port = TransparentEndToEndTest.freePort();
        apptap = EngineFixture.start(dir.resolve("trust"), b -> b
                .transparentListener(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
        nothingListens = TransparentEndToEndTest.freePort();
    }

    @AfterAll
    static void stop() {
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
    void resetsTheStreamAfterTheGivenBodyBytes() throws Exception {
        stub("/cut", Fault.closeAfterBodyBytes(512));

        String out = nghttp("/cut");

        assertThat(out).contains(":status: 200").contains("recv RST_STREAM").contains("error_code=CANCEL");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/cut"));
        assertThat(flow.fault().orElseThrow().message())
                .contains("reset the HTTP/2 stream of GET https://api.example.test:").contains("/cut after 512 bytes of the response body");
    }

    @Test
    void holdsTheStreamUntilTheAppGivesUp() throws Exception {
        stub("/hang", Fault.hang());

        String out = nghttp("/hang", "-t", "2");

        assertThat(out).doesNotContain(":status: 200");
        assertThat(apptap.awaitHttp(f -> f.request().path().equals("/hang")).fault().orElseThrow().message())
                .contains("kept its HTTP/2 stream open until nghttp");
    }

    @Test
    void resetsTheWholeConnection() throws Exception {
        stub("/reset", Fault.connectionReset());

        String out = nghttp("/reset");

        assertThat(out).doesNotContain(":status: 200");
        assertThat(apptap.awaitHttp(f -> f.request().path().equals("/reset")).fault().orElseThrow().message())
                .contains("reset the connection (TCP RST) of nghttp");
    }

    private static void stub(String path, Fault fault) {
        apptap.engine.rules().on(get("https://api.example.test" + path))
                .respond(respond(200).withBody(BODY).withFault(fault));
    }

    /** nghttp, verbose, against {@code https://127.0.0.1:<nothing listens>path} as api.example.test, redirected. */
    private static String nghttp(String path, String... more) throws Exception {
        List<String> command = new ArrayList<>(List.of("nghttp", "-v", "-H", ":authority: api.example.test"));
        command.addAll(List.of(more));
        command.add("https://127.0.0.1:" + nothingListens + path);
        try (CgroupRedirect redirect = CgroupRedirect.redirectTo(apptap.engine.transparentAddresses().get(0).getPort())) {
            Process nghttp = redirect.start(command, Map.of());
            nghttp.getOutputStream().close();
            byte[] out = nghttp.getInputStream().readAllBytes();
            assertThat(nghttp.waitFor(30, TimeUnit.SECONDS)).isTrue();
            return new String(out, StandardCharsets.UTF_8);
        }
    }
}
