package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.TcpFlow;
import dev.apptap.proxy.testing.BytePattern;
import dev.apptap.proxy.testing.ClientResult;
import dev.apptap.proxy.testing.Clients;
import dev.apptap.proxy.testing.OriginServer;
import dev.apptap.proxy.testing.RawTcpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs no well-behaved client sends: each gets a clear answer or a correct relay, a recorded flow, and
 * (checked after every test by the Netty leak extension) no leaked buffer.
 */
class BadInputTest {

    @TempDir
    static Path dir;

    static EngineFixture apptap;
    static OriginServer origin;
    static OriginServer tlsOrigin;

    @BeforeAll
    static void start() {
        apptap = EngineFixture.start(dir.resolve("trust"));
        origin = OriginServer.start();
        tlsOrigin = OriginServer.startTls();
    }

    @AfterAll
    static void stop() {
        if (apptap != null) {
            apptap.close();
        }
        if (origin != null) {
            origin.close();
        }
        if (tlsOrigin != null) {
            tlsOrigin.close();
        }
    }

    @Test
    void answers400ToAMalformedRequestLineAndRecordsWhy() throws IOException {
        String answer = RawSockets.exchange(apptap.engine.explicitAddress(),
                "GET http://127.0.0.1/ HTTP/1.1 trailing-garbage\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(answer).startsWith("HTTP/1.1 400").contains("malformed HTTP request");
        HttpFlow flow = apptap.awaitHttp(f -> f.error().map(e -> e.kind() == FlowError.Kind.MALFORMED_REQUEST).orElse(false)
                && f.response().map(r -> r.status() == 400).orElse(false));
        assertThat(flow.error().orElseThrow().message()).contains("sent a malformed HTTP request");
    }

    @Test
    void answers400ToAMalformedHeaderLine() throws IOException {
        String answer = RawSockets.exchange(apptap.engine.explicitAddress(),
                ("GET " + origin.url("/hello") + " HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n").getBytes(StandardCharsets.US_ASCII));

        assertThat(answer).startsWith("HTTP/1.1 400");
    }

    @Test
    void answers431ToAOneMebibyteHeaderBlock() throws IOException {
        char[] filler = new char[1 << 20];
        Arrays.fill(filler, 'a');
        String request = "GET " + origin.url("/hello") + " HTTP/1.1\r\nHost: x\r\nX-Huge: " + new String(filler) + "\r\n\r\n";

        String answer = RawSockets.exchange(apptap.engine.explicitAddress(), request.getBytes(StandardCharsets.US_ASCII));

        assertThat(answer).startsWith("HTTP/1.1 431");
        HttpFlow flow = apptap.awaitHttp(f -> f.response().map(r -> r.status() == 431).orElse(false));
        assertThat(flow.error().orElseThrow().message()).contains("malformed HTTP request").contains("header");
    }

    @Test
    void recordsTlsGarbageInsideAConnectTunnelAsAFailedTlsFlow() throws IOException {
        try (Socket socket = new Socket(apptap.engine.explicitAddress().getAddress(), apptap.engine.explicitAddress().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("CONNECT garbage.test:443 HTTP/1.1\r\nHost: garbage.test:443\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // like real clients, wait for the tunnel before speaking TLS
            byte[] established = new byte[39];
            int got = 0;
            while (got < established.length) {
                got += socket.getInputStream().read(established, got, established.length - got);
            }
            assertThat(new String(established, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
            byte[] garbage = new byte[600];
            Arrays.fill(garbage, (byte) 0x41);
            garbage[0] = 0x16;
            garbage[1] = 0x03;
            garbage[2] = 0x01;
            garbage[3] = 0x00;
            garbage[4] = 0x20;
            out.write(garbage);
            out.flush();
            RawSockets.readToEnd(socket.getInputStream());
        }
        TcpFlow flow = apptap.awaitTcp(f -> f.server().host().equals("garbage.test") && f.error().isPresent());
        assertThat(flow.error().orElseThrow().kind()).isIn(FlowError.Kind.CLIENT_TLS_FAILED, FlowError.Kind.CLIENT_REJECTED_CERTIFICATE);
    }

    @Test
    void recordsAClientThatVanishesMidBody() throws IOException {
        try (Socket socket = new Socket(apptap.engine.explicitAddress().getAddress(), apptap.engine.explicitAddress().getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + origin.url("/echo-size?vanish") + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[10_000]);
            out.flush();
        }
        HttpFlow flow = apptap.awaitHttp(f -> f.request().query().equals("vanish"));
        assertThat(flow.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.CLIENT_DISCONNECTED);
        assertThat(flow.error().orElseThrow().message()).contains("closed its connection before it finished sending POST");
    }

    @Test
    void answers502WhenTheServerHangsUpWithoutAnswering() {
        ClientResult result = Clients.curl(apptap.proxyEnvironment(), "-sS", "-w", "%{http_code}", origin.url("/close"));

        assertThat(result.stdout()).contains("closed the connection before it finished answering").endsWith("502");
        assertThat(apptap.awaitHttp(f -> f.request().path().equals("/close")).error().orElseThrow().kind())
                .isEqualTo(FlowError.Kind.UPSTREAM_PROTOCOL);
    }

    @Test
    void relaysNonHttpBytesInsideAConnectTunnelAsTcp() throws IOException {
        try (var banner = RawTcpServer.start();
             Socket socket = new Socket(apptap.engine.explicitAddress().getAddress(), apptap.engine.explicitAddress().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("CONNECT 127.0.0.1:" + banner.port() + " HTTP/1.1\r\n\r\nquit now\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] buffer = new byte[256];
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("QUIT NOW")) {
                int n = socket.getInputStream().read(buffer);
                if (n < 0) {
                    break;
                }
                seen.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
            }
            assertThat(seen.toString()).contains("HELLO").contains("QUIT NOW");
        }
        TcpFlow flow = apptap.awaitTcp(f -> new String(f.fromClient().rawBytes(), StandardCharsets.US_ASCII).equals("quit now\n"));
        assertThat(flow.error()).isEmpty();
    }

    @Test
    void streamsOneGibibyteDownloadThroughTlsWithTheHeapCappedAt256MiB() {
        long size = 1L << 30;
        ClientResult result = Clients.curl(apptap.proxyEnvironment(), "-sS", "-o", "/dev/null", "-w", "%{size_download}",
                tlsOrigin.url("localhost", "/bytes/" + size)).requireSuccess();

        assertThat(result.stdout()).isEqualTo(String.valueOf(size));
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/bytes/" + size));
        assertThat(flow.response().orElseThrow().body().size()).isEqualTo(size);
        assertThat(flow.response().orElseThrow().body().isTruncated()).isTrue();
        byte[] recorded = flow.response().orElseThrow().body().rawBytes();
        assertThat(recorded).hasSize(1 << 20);
        assertThat(BytePattern.firstMismatch(0, recorded, 0, recorded.length)).as("recorded bytes follow the origin's pattern").isNegative();
        assertThat(Runtime.getRuntime().maxMemory()).isLessThanOrEqualTo(256L << 20);
    }
}
