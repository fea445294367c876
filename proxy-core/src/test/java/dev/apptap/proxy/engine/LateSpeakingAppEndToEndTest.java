package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.TcpFlow;
import dev.apptap.proxy.testing.Nghttpd;
import dev.apptap.proxy.testing.OriginServer;
import dev.apptap.proxy.testing.RawH2Client;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import dev.apptap.proxy.testing.RawTcpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apps that connect first and speak later, over real sockets: the transparent listener gets each connection's
 * original destination from the test (no kernel redirect needed), and the test waits until the engine has
 * connected upstream after the app's silence before the app says anything, so the late path is always taken.
 * Each origin counts its connections: the engine opens one per app connection, whoever speaks first.
 */
class LateSpeakingAppEndToEndTest {

    @TempDir
    Path dir;

    private static final Duration SERVER_FIRST_WAIT = Duration.ofMillis(100);

    private final AtomicReference<InetSocketAddress> destination = new AtomicReference<>();
    private EngineFixture apptap;
    private InetSocketAddress listener;

    @BeforeEach
    void start() throws IOException {
        listener = new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort());
        apptap = EngineFixture.start(dir.resolve("trust"), b -> b
                .transparentListener(listener)
                .originalDestinations((fd, local, remote) -> destination.get())
                .serverFirstWait(SERVER_FIRST_WAIT));
    }

    @AfterEach
    void stop() {
        apptap.close();
    }

    @Test
    void recordsAPlainHttpRequestSentLongAfterConnectingAsHttp() throws Exception {
        try (OriginServer origin = OriginServer.start(); Socket app = connectTo(origin.address())) {
            awaitConnections(origin::connectionCount, 1);

            assertThat(getHello(app, "127.0.0.1")).startsWith("HTTP/1.1 200").contains(OriginServer.HELLO);
            HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/hello"));
            assertThat(flow.request().url()).as("the port the app connected to, which the Host header lacks")
                    .isEqualTo("http://127.0.0.1:" + origin.port() + "/hello");
            assertThat(apptap.all()).hasSize(1);
            assertThat(origin.connectionCount()).as("the request went over the connection opened during the silence")
                    .isEqualTo(1);
        }
    }

    @Test
    void decryptsATlsHandshakeStartedLongAfterConnecting() throws Exception {
        try (OriginServer origin = OriginServer.startTls(); Socket app = connectTo(origin.address())) {
            awaitConnections(origin::connectionCount, 1);

            try (SSLSocket tls = trustingApptap(app, "localhost", origin.port())) {
                assertThat(getHello(tls, "localhost")).startsWith("HTTP/1.1 200").contains(OriginServer.HELLO);
            }
            HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/hello"));
            assertThat(flow.request().url()).isEqualTo("https://localhost:" + origin.port() + "/hello");
            assertThat(flow.tls().orElseThrow().sni()).isEqualTo("localhost");
            assertThat(origin.connectionCount()).as("TLS went over the connection opened during the silence")
                    .isEqualTo(1);
        }
    }

    @Test
    void decryptsAnHttpsRequestSentLongAfterTheHandshake() throws Exception {
        try (OriginServer origin = OriginServer.startTls(); Socket app = connectTo(origin.address());
             SSLSocket tls = trustingApptap(app, "localhost", origin.port())) {
            // Inside TLS the upstream is connected already (during the handshake), so only time shows the silence:
            // waiting longer than it makes the late path the one taken.
            Thread.sleep(SERVER_FIRST_WAIT.multipliedBy(5).toMillis());

            assertThat(getHello(tls, "localhost")).startsWith("HTTP/1.1 200").contains(OriginServer.HELLO);
            HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/hello"));
            assertThat(flow.request().url()).isEqualTo("https://localhost:" + origin.port() + "/hello");
            assertThat(origin.connectionCount()).isEqualTo(1);
        }
    }

    @Test
    void relaysCleartextHttp2StartedLongAfterConnecting() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Files.writeString(docroot.resolve("hello"), "hello over h2\n");
        try (Nghttpd h2c = Nghttpd.cleartext(docroot, dir);
             Socket app = connectTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), h2c.port()))) {
            // nghttpd counts no connections, so only time shows the silence passed
            Thread.sleep(SERVER_FIRST_WAIT.multipliedBy(5).toMillis());

            try (RawH2Client client = RawH2Client.priorKnowledge(app)) {
                client.headers(1, new DefaultHttp2Headers().method("GET").scheme("http")
                        .authority("127.0.0.1:" + h2c.port()).path("/hello"), true);
                assertThat(client.stream(1).done.await(15, TimeUnit.SECONDS)).isTrue();
                assertThat(client.stream(1).status).isEqualTo("200");
            }
            HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/hello"));
            assertThat(flow.request().url()).isEqualTo("http://127.0.0.1:" + h2c.port() + "/hello");
            assertThat(flow.request().version()).isEqualTo("HTTP/2");
        }
    }

    @Test
    void relaysAServerThatSpeaksFirstAsTcp() throws Exception {
        try (RawTcpServer banner = RawTcpServer.start(); Socket app = connectTo(banner.address())) {
            BufferedReader lines = new BufferedReader(new InputStreamReader(app.getInputStream(), StandardCharsets.US_ASCII));

            assertThat(lines.readLine() + "\r\n").isEqualTo(RawTcpServer.BANNER);
            app.getOutputStream().write("hi there\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(lines.readLine()).isEqualTo("HI THERE");
            app.close();

            TcpFlow flow = apptap.awaitTcp(f -> f.server().port() == banner.port());
            assertThat(flow.fromServer().text()).startsWith("HELLO");
            assertThat(flow.fromClient().text()).isEqualTo("hi there\n");
            assertThat(banner.connectionCount()).isEqualTo(1);
        }
    }

    @Test
    void closesTheAppsConnectionWithASentenceWhenNothingListensAtTheDestination() throws Exception {
        int closed = freePort();
        try (Socket app = connectTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), closed))) {
            assertThat(app.getInputStream().read()).as("the app sees the connection end").isEqualTo(-1);

            TcpFlow flow = apptap.awaitTcp(f -> f.server().port() == closed);
            assertThat(flow.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.UPSTREAM_REFUSED);
            assertThat(flow.error().orElseThrow().message()).contains("127.0.0.1:" + closed);
        }
    }

    /** Sends {@code GET /hello} with {@code host} as its Host header and returns the whole answer. */
    private static String getHello(Socket socket, String host) throws IOException {
        socket.getOutputStream().write(("GET /hello HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }

    private Socket connectTo(InetSocketAddress origin) throws IOException {
        destination.set(origin);
        Socket app = new Socket();
        app.setSoTimeout(15_000);
        app.connect(listener);
        return app;
    }

    /** The engine connects upstream only after the app's silence, so this is how the test knows it passed. */
    private static void awaitConnections(IntSupplier count, int expected) {
        await("the engine connecting upstream after the app's silence").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(10)).until(() -> count.getAsInt() >= expected);
    }

    private SSLSocket trustingApptap(Socket plain, String host, int port) throws Exception {
        KeyStore roots = KeyStore.getInstance(KeyStore.getDefaultType());
        roots.load(null, null);
        roots.setCertificateEntry("apptap", EngineFixture.CA.certificate());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(roots);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(host)));
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        return tls;
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}
