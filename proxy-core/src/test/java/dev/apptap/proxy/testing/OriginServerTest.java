package dev.apptap.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class OriginServerTest {

    private static final Map<String, String> NO_VARIABLES = Map.of();

    private OriginServer server;

    @AfterEach
    void closeServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void curlGetsHelloOverPlainHttp() {
        Clients.assumeInstalled("curl");
        server = OriginServer.start();

        ClientResult result = Clients.curl(NO_VARIABLES, "-sS", server.url("/hello")).requireSuccess();

        assertThat(result.stdout()).isEqualTo(OriginServer.HELLO);
        assertThat(server.requests()).singleElement().satisfies(request -> {
            assertThat(request.method()).isEqualTo("GET");
            assertThat(request.uri()).isEqualTo("/hello");
            assertThat(request.host()).isEqualTo("127.0.0.1:" + server.port());
            assertThat(request.header("user-agent")).hasValueSatisfying(agent -> assertThat(agent).startsWith("curl/"));
            assertThat(request.serverName()).isNull();
        });
        assertThat(server.connectionCount()).isEqualTo(1);
    }

    @Test
    void curlGetsHelloOverTlsTrustingTheTestCa() {
        Clients.assumeInstalled("curl");
        server = OriginServer.startTls();

        ClientResult result = Clients.curl(NO_VARIABLES, "-sS", "--cacert", TestPki.get().caPemFile().toString(),
                "--resolve", "upstream.test:" + server.port() + ":127.0.0.1",
                "-w", "\n%{http_version}", server.url("upstream.test", "/hello")).requireSuccess();

        assertThat(result.stdout()).isEqualTo(OriginServer.HELLO + "\n1.1");
        assertThat(server.requests()).singleElement().satisfies(request -> {
            assertThat(request.serverName()).isEqualTo("upstream.test");
            assertThat(request.host()).isEqualTo("upstream.test:" + server.port());
        });
    }

    @Test
    void curlReachesAnIpv6OriginOverTlsByIpAddress() {
        Clients.assumeInstalled("curl");
        server = OriginServer.builder().ipv6().tls().start();

        ClientResult result = Clients.curl(NO_VARIABLES, "-sS", "--cacert", TestPki.get().caPemFile().toString(),
                server.url("/hello")).requireSuccess();

        assertThat(server.url("/hello")).startsWith("https://[::1]:");
        assertThat(result.stdout()).isEqualTo(OriginServer.HELLO);
    }

    @Test
    void curlRejectsAnUntrustedOrExpiredCertificate() {
        Clients.assumeInstalled("curl");
        for (TestPki.ServerCertificate certificate : new TestPki.ServerCertificate[] {TestPki.get().untrustedSelfSigned(), TestPki.get().expired()}) {
            try (OriginServer origin = OriginServer.builder().tls(certificate).start()) {
                ClientResult result = Clients.curl(NO_VARIABLES, "-sS", "--cacert", TestPki.get().caPemFile().toString(), origin.url("/hello"));

                // 60: curl could not verify the peer's certificate.
                assertThat(result.exitCode()).as(result.describe()).isEqualTo(60);
            }
        }
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() {
        Clients.assumeInstalled("curl");
        server = OriginServer.start();

        ClientResult result = Clients.curl(NO_VARIABLES, "-sS", server.url("/hello"), server.url("/status/201"), server.url("/hello")).requireSuccess();

        assertThat(result.stdout()).isEqualTo(OriginServer.HELLO + "status 201" + OriginServer.HELLO);
        assertThat(server.requests()).hasSize(3).allSatisfy(request -> assertThat(request.connection()).isEqualTo(1));
        assertThat(server.connectionCount()).isEqualTo(1);
    }

    @Test
    void answersPipelinedRequestsInOrderEvenWhenTheFirstIsSlow() throws IOException {
        server = OriginServer.start();
        try (Socket socket = new Socket(server.address().getAddress(), server.port())) {
            socket.setSoTimeout(10_000);
            String host = "Host: 127.0.0.1:" + server.port() + "\r\n";
            socket.getOutputStream().write(("GET /slow/300 HTTP/1.1\r\n" + host + "\r\n"
                    + "GET /hello HTTP/1.1\r\n" + host + "\r\n"
                    + "GET /status/404 HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(socket.getInputStream());

            RawHttpResponse slow = RawHttpResponse.read(in);
            RawHttpResponse hello = RawHttpResponse.read(in);
            RawHttpResponse notFound = RawHttpResponse.read(in);

            assertThat(slow.bodyText()).isEqualTo("answered after 300 ms");
            assertThat(hello.bodyText()).isEqualTo(OriginServer.HELLO);
            assertThat(notFound.status()).isEqualTo(404);
            assertThat(in.read()).as("the server closes after the request that asked it to").isEqualTo(-1);
        }
        assertThat(server.requests()).extracting(RecordedRequest::uri).containsExactly("/slow/300", "/hello", "/status/404");
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void streamsOneGibibyteWithoutBufferingIt() throws Exception {
        server = OriginServer.start();
        long length = 1L << 30;
        ByteBufAllocatorMetricProvider allocator = (ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT;
        AtomicLong peakDirect = new AtomicLong();
        CompletableFuture<RawHttpResponse> download;
        BytePattern.Verifier verifier = BytePattern.verifier();
        try (Socket socket = new Socket(server.address().getAddress(), server.port())) {
            socket.getOutputStream().write(("GET /bytes/" + length + " HTTP/1.1\r\nHost: origin\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(socket.getInputStream(), 256 * 1024);
            // Reading slowly at first lets the socket fill, so a server ignoring backpressure would pile up buffers.
            Thread.sleep(500);
            download = CompletableFuture.supplyAsync(() -> {
                try {
                    return RawHttpResponse.read(in, verifier);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            while (!download.isDone()) {
                peakDirect.accumulateAndGet(allocator.metric().usedDirectMemory(), Math::max);
                Thread.sleep(5);
            }
            RawHttpResponse response = download.get();

            assertThat(response.header("Content-Length")).hasValue(Long.toString(length));
            assertThat(response.bodyLength()).isEqualTo(length);
        }
        assertThat(verifier.count()).isEqualTo(length);
        assertThat(verifier.firstMismatch()).as("offset of the first byte that breaks the pattern").isEqualTo(-1);
        assertThat(peakDirect.get()).as("the allocator's direct memory while streaming").isLessThan(64L << 20);
    }

    @Test
    void chunkedResponseEndsWithAChecksumTrailer() throws IOException {
        server = OriginServer.start();
        int length = 3 * 1024 * 1024 + 17;
        try (Socket socket = new Socket(server.address().getAddress(), server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /chunked/" + length + " HTTP/1.1\r\nHost: origin\r\nTE: trailers\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            BytePattern.Verifier verifier = BytePattern.verifier();

            RawHttpResponse response = RawHttpResponse.read(new BufferedInputStream(socket.getInputStream()), verifier);

            assertThat(response.header("Transfer-Encoding")).hasValue("chunked");
            assertThat(response.header("Trailer")).hasValue("X-Checksum");
            assertThat(response.trailer("X-Checksum")).hasValue(BytePattern.sha256Hex(length));
            assertThat(verifier.count()).isEqualTo(length);
            assertThat(verifier.firstMismatch()).isEqualTo(-1);
        }
    }

    @Test
    void curlDownloadsTheChunkedPattern(@TempDir Path directory) throws IOException {
        Clients.assumeInstalled("curl");
        server = OriginServer.start();
        Path file = directory.resolve("body");

        Clients.curl(NO_VARIABLES, "-sS", "-o", file.toString(), server.url("/chunked/100000")).requireSuccess();

        byte[] body = Files.readAllBytes(file);
        assertThat(body).hasSize(100_000);
        assertThat(BytePattern.firstMismatch(0, body, 0, body.length)).isEqualTo(-1);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void echoStreamsA200MebibyteUploadBack() throws Exception {
        server = OriginServer.start();
        long length = 200L << 20;
        try (Socket socket = new Socket(server.address().getAddress(), server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /echo HTTP/1.1\r\nHost: origin\r\nContent-Type: application/x-test\r\nContent-Length: " + length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // The echo answers while the upload is still going, so uploading and reading must run at once.
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> writePattern(out, length));
            BytePattern.Verifier verifier = BytePattern.verifier();

            RawHttpResponse response = RawHttpResponse.read(new BufferedInputStream(socket.getInputStream()), verifier);

            upload.get(1, TimeUnit.MINUTES);
            assertThat(response.header("Content-Type")).hasValue("application/x-test");
            assertThat(verifier.count()).isEqualTo(length);
            assertThat(verifier.firstMismatch()).isEqualTo(-1);
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void echoSizeCountsAndHashesAChunked200MebibyteUpload() throws Exception {
        server = OriginServer.start();
        long length = 200L << 20;
        try (Socket socket = new Socket(server.address().getAddress(), server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write("PUT /echo-size HTTP/1.1\r\nHost: origin\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[1 << 20];
            for (long offset = 0; offset < length; offset += chunk.length) {
                BytePattern.copy(offset, chunk, 0, chunk.length);
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            RawHttpResponse response = RawHttpResponse.read(new BufferedInputStream(socket.getInputStream()));

            String sha256 = BytePattern.sha256Hex(length);
            assertThat(response.bodyText()).isEqualTo(length + " " + sha256);
            assertThat(response.header("X-Received-Bytes")).hasValue(Long.toString(length));
            assertThat(response.header("X-Received-Sha256")).hasValue(sha256);
        }
    }

    @Test
    void curlUploadIsEchoedWithItsContentType(@TempDir Path directory) throws IOException {
        Clients.assumeInstalled("curl");
        server = OriginServer.start();
        Path upload = Files.writeString(directory.resolve("upload.json"), "{\"answer\":42}");

        ClientResult result = Clients.curl(NO_VARIABLES, "-sS", "-H", "Content-Type: application/json", "--data-binary", "@" + upload,
                "-w", "\n%{content_type}", server.url("/echo")).requireSuccess();

        assertThat(result.stdout()).isEqualTo("{\"answer\":42}\napplication/json");
    }

    @Test
    void curlFollowsRedirectsToHello() {
        Clients.assumeInstalled("curl");
        server = OriginServer.start();

        ClientResult result = Clients.curl(NO_VARIABLES, "-sS", "-L", server.url("/redirect/3")).requireSuccess();

        assertThat(result.stdout()).isEqualTo(OriginServer.HELLO);
        assertThat(server.requests()).extracting(RecordedRequest::uri).containsExactly("/redirect/3", "/redirect/2", "/redirect/1", "/hello");
    }

    @Test
    void curlReportsStatusGzipAndHeaders() {
        Clients.assumeInstalled("curl");
        server = OriginServer.start();

        assertThat(Clients.curl(NO_VARIABLES, "-sS", "-o", "/dev/null", "-w", "%{http_code}", server.url("/status/418")).stdout()).isEqualTo("418");
        assertThat(Clients.curl(NO_VARIABLES, "-sS", "--compressed", server.url("/gzip")).requireSuccess().stdout()).isEqualTo(OriginServer.GZIP_JSON);
        assertThat(Clients.curl(NO_VARIABLES, "-sS", "-H", "X-Quote: say \"hi\"", server.url("/headers")).requireSuccess().stdout())
                .contains("\"X-Quote\": \"say \\\"hi\\\"\"").contains("\"Host\": \"127.0.0.1:" + server.port() + "\"");
        assertThat(Clients.curl(NO_VARIABLES, "-sS", "-o", "/dev/null", "-w", "%{http_code}", server.url("/nowhere")).stdout()).isEqualTo("404");
    }

    @Test
    void closeRouteHangsUpWithoutAnAnswer() {
        Clients.assumeInstalled("curl");
        server = OriginServer.start();

        ClientResult result = Clients.curl(NO_VARIABLES, "-sS", server.url("/close"));

        // 52: the server sent nothing at all.
        assertThat(result.exitCode()).as(result.describe()).isEqualTo(52);
    }

    @Test
    void javaTlsClientNegotiatesHttp11ThroughAlpn() throws IOException {
        server = OriginServer.startTls();
        try (SSLSocket socket = (SSLSocket) TestPki.get().jdkClientContext().getSocketFactory().createSocket("localhost", server.port())) {
            socket.setSoTimeout(10_000);
            var parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            RawHttpResponse response = RawHttpResponse.read(new BufferedInputStream(socket.getInputStream()));

            assertThat(socket.getApplicationProtocol()).isEqualTo("http/1.1");
            assertThat(response.bodyText()).isEqualTo(OriginServer.HELLO);
        }
    }

    @Test
    void pythonReachesTheTlsOriginTrustingTheTestCa() {
        Clients.assumeInstalled("python3");
        server = OriginServer.startTls();

        ClientResult result = Clients.python3(Map.of("SSL_CERT_FILE", TestPki.get().caPemFile().toString()),
                "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())", server.url("localhost", "/hello"));

        assertThat(result.requireSuccess().stdout()).isEqualTo(OriginServer.HELLO + "\n");
    }

    @Test
    void nodeReachesTheTlsOriginTrustingTheTestCa() {
        Clients.assumeInstalled("node");
        server = OriginServer.startTls();

        ClientResult result = Clients.node(Map.of("NODE_EXTRA_CA_CERTS", TestPki.get().caPemFile().toString()),
                "require('https').get(process.argv[1], r => r.pipe(process.stdout)).on('error', e => { console.error(e); process.exit(3); })",
                server.url("localhost", "/hello"));

        assertThat(result.requireSuccess().stdout()).isEqualTo(OriginServer.HELLO);
    }

    private static void writePattern(OutputStream out, long length) {
        byte[] chunk = new byte[256 * 1024];
        try {
            for (long offset = 0; offset < length; ) {
                int size = (int) Math.min(chunk.length, length - offset);
                BytePattern.copy(offset, chunk, 0, size);
                out.write(chunk, 0, size);
                offset += size;
            }
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException("The upload failed after it started.", e);
        }
    }

}
