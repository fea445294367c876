package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.testing.Nghttpd;
import dev.apptap.proxy.testing.RawH2Client;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 inputs no well-behaved client sends, through a CONNECT tunnel to a real HTTP/2 server: each ends in a
 * clear error and a recorded flow, without a leak (the leak extension checks every test) or a stall.
 */
class Http2BadInputTest {

    @TempDir
    static Path dir;

    static EngineFixture apptap;
    static Nghttpd h2c;

    @BeforeAll
    static void start() throws IOException {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Files.writeString(docroot.resolve("hello"), "hello over h2\n");
        h2c = Nghttpd.cleartext(docroot, dir);
        apptap = EngineFixture.start(dir.resolve("trust"));
    }

    @AfterAll
    static void stop() {
        if (apptap != null) {
            apptap.close();
        }
        if (h2c != null) {
            h2c.close();
        }
    }

    private static RawH2Client client() throws IOException {
        return RawH2Client.throughProxy(apptap.engine.explicitAddress(), "127.0.0.1:" + h2c.port());
    }

    private static Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers().method(method).scheme("http").authority("127.0.0.1:" + h2c.port()).path(path);
    }

    @Test
    void recordsAStreamTheAppResetMidBodyAndKeepsTheConnectionUsable() throws Exception {
        try (RawH2Client client = client()) {
            client.headers(1, request("POST", "/hello?reset"), false);
            client.data(1, new byte[1000], false);
            client.reset(1, 8 /* CANCEL */);
            client.headers(3, request("GET", "/hello?after-reset"), true);

            assertThat(client.stream(3).done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(client.stream(3).status).isEqualTo("200");
        }
        HttpFlow reset = apptap.awaitHttp(f -> f.request().query().equals("reset"));
        assertThat(reset.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.CLIENT_DISCONNECTED);
        assertThat(reset.error().orElseThrow().message()).contains("reset the HTTP/2 stream").contains("CANCEL");
        assertThat(apptap.awaitHttp(f -> f.request().query().equals("after-reset")).status()).isEqualTo(200);
    }

    @Test
    void refusesAnOversizedHeaderBlockWithoutFallingOver() throws Exception {
        try (RawH2Client client = client()) {
            boolean closedWhileSending = false;
            try {
                client.headers(1, request("GET", "/hello?bomb").add("x-bomb", "b".repeat(200_000)), true);
            } catch (IOException closedOnUs) {
                // the engine may end the connection before the last CONTINUATION frame is written
                closedWhileSending = true;
            }
            client.stream(1).done.await(closedWhileSending ? 0 : 10, TimeUnit.SECONDS);

            // Netty may answer 431, reset the stream, or end the connection (GOAWAY, which a reset of the
            // still-uploading socket can overtake): each is a clear refusal, none a hang.
            boolean refused = closedWhileSending || client.stream(1).status.equals("431")
                    || client.stream(1).resetCode >= 0 || client.goAwayError() >= 0 || client.awaitClosed(5);
            assertThat(refused).as("the stream got 431, a reset, a GOAWAY or the connection closed").isTrue();
        }
        try (RawH2Client again = client()) {
            again.headers(1, request("GET", "/hello?after-bomb"), true);
            assertThat(again.stream(1).done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(again.stream(1).status).as("the engine still serves new connections").isEqualTo("200");
        }
    }

    @Test
    void finishesStreamsInFlightWhenTheAppSendsGoAwayUnderLoad() throws Exception {
        try (RawH2Client client = client()) {
            for (int stream = 1; stream <= 39; stream += 2) {
                client.headers(stream, request("GET", "/hello?load=" + stream), true);
            }
            client.goAway(39);
            for (int stream = 1; stream <= 39; stream += 2) {
                assertThat(client.stream(stream).done.await(10, TimeUnit.SECONDS)).isTrue();
            }
        }
        for (int stream = 1; stream <= 39; stream += 2) {
            String query = "load=" + stream;
            assertThat(apptap.awaitHttp(f -> f.request().query().equals(query)).isComplete()).isTrue();
        }
    }

    @Test
    void endsTheConnectionOfAnAppThatIgnoresFlowControl() throws Exception {
        try (RawH2Client client = client()) {
            client.headers(1, request("POST", "/hello?flood"), false);
            // the window is 1 MiB by apptap's settings; send well past it without waiting for credit
            byte[] chunk = new byte[16_384];
            try {
                for (int i = 0; i < 200; i++) {
                    client.data(1, chunk, false);
                }
            } catch (IOException closedOnUs) {
                // the engine may close while we write: that is the expected end
            }
            assertThat(client.awaitClosed(10) || client.stream(1).resetCode >= 0)
                    .as("the engine resets the stream or closes the connection instead of buffering without bound")
                    .isTrue();
        }
        HttpFlow flood = apptap.awaitHttp(f -> f.request().query().equals("flood"));
        assertThat(flood.error()).isPresent();
    }
}
