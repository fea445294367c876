package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.testing.ClientResult;
import dev.apptap.proxy.testing.Clients;
import dev.apptap.proxy.testing.OriginServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slowloris clients: a request head sent a byte at a time, or begun and never finished. The engine keeps serving
 * everyone else, and after its request head timeout answers the slow client 408, records why, and closes it.
 */
@Timeout(120)
class SlowClientTest {

    private static final Duration HEAD_TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    static Path dir;

    static EngineFixture apptap;
    static OriginServer origin;

    @BeforeAll
    static void start() {
        Clients.assumeInstalled("curl");
        apptap = EngineFixture.start(dir.resolve("trust"), b -> b.requestHeadTimeout(HEAD_TIMEOUT));
        origin = OriginServer.start();
    }

    @AfterAll
    static void stop() {
        if (apptap != null) {
            apptap.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    void aClientSendingItsHeadersAByteAtATimeIsAnswered408AndRecordedWhileOthersAreServed() throws Exception {
        ExecutorService slow = Executors.newFixedThreadPool(20);
        AtomicBoolean stop = new AtomicBoolean();
        try {
            List<Future<String>> trickles = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String path = "/slowloris-" + i;
                trickles.add(slow.submit(() -> trickle(path, stop)));
            }
            Thread.sleep(300); // every slow client is connected and trickling

            for (int i = 0; i < 3; i++) {
                ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", "--max-time", "10",
                        origin.url("/hello?beside-slowloris=" + i));
                assertThat(curl.exitCode()).as("%s", curl).isZero();
                assertThat(curl.stdout()).isEqualTo(OriginServer.HELLO);
            }

            for (Future<String> trickle : trickles) {
                String answer = trickle.get(30, TimeUnit.SECONDS);
                assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout")
                        .contains("did not finish sending its request head to apptap's proxy port within 2 s");
            }
            HttpFlow flow = apptap.awaitHttp(f -> f.error().map(e -> e.kind() == FlowError.Kind.CLIENT_TIMEOUT).orElse(false));
            assertThat(flow.response().orElseThrow().status()).isEqualTo(408);
            assertThat(flow.error().orElseThrow().message())
                    .contains("did not finish sending its request head").contains("requestHeadTimeout");
            assertThat(origin.requests()).noneMatch(r -> r.uri().startsWith("/slowloris"));
        } finally {
            stop.set(true);
            slow.shutdownNow();
        }
    }

    @Test
    void aClientThatBeginsAHeadAndFallsSilentIsAnswered408AndClosed() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(apptap.engine.explicitAddress(), 5_000);
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + origin.url("/never-finished") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();

            String answer = readToEnd(socket.getInputStream());

            assertThat(answer).startsWith("HTTP/1.1 408").contains("Connection: close");
        }
        apptap.awaitHttp(f -> f.error().map(e -> e.kind() == FlowError.Kind.CLIENT_TIMEOUT).orElse(false));
    }

    @Test
    void anIdleKeepAliveConnectionIsNotTimedOut() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(apptap.engine.explicitAddress(), 5_000);
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("GET " + origin.url("/hello?first") + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200");

            Thread.sleep(HEAD_TIMEOUT.toMillis() + 1_000); // idle longer than the head timeout: no bytes, no clock

            out.write(("GET " + origin.url("/hello?second") + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith(OriginServer.HELLO);
        }
    }

    /** Sends a request line, then one header byte every 100 ms until the engine answers or closes. */
    private static String trickle(String path, AtomicBoolean stop) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(apptap.engine.explicitAddress(), 5_000);
            socket.setSoTimeout(100);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("GET " + origin.url(path) + " HTTP/1.1\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] header = "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    .getBytes(StandardCharsets.US_ASCII);
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            // Stops writing as soon as anything comes back: a byte sent after the engine closed would draw a reset.
            for (int i = 0; !stop.get() && answer.size() == 0; i = (i + 1) % header.length) {
                try {
                    out.write(header[i]);
                    out.flush();
                    int n = in.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    answer.write(buffer, 0, n);
                } catch (SocketTimeoutException nothingYet) {
                    // keep trickling
                } catch (IOException closed) {
                    break; // the engine closed the connection; what it answered is read below
                }
            }
            socket.setSoTimeout(5_000);
            try {
                answer.write(in.readAllBytes());
            } catch (IOException reset) {
                // a reset after the answer: the answer is what counts
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    private static String readToEnd(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** One response with a Content-Length body. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = text.lines().filter(l -> l.toLowerCase().startsWith("content-length:"))
                .map(l -> Integer.parseInt(l.substring(15).trim())).findFirst().orElse(0);
        return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
