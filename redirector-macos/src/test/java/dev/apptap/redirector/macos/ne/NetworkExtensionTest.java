package dev.apptap.redirector.macos.ne;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.Flow;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.session.InterceptionSession;
import dev.apptap.proxy.session.SessionOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The macos-ne backend end to end on any OS: a real session, the fake extension dialing back, and real curl whose
 * connections the fake captures on loopback and hands to apptap as the Network Extension would.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NetworkExtensionTest {

    private static final long JVM = ProcessHandle.current().pid();

    @TempDir
    Path directory;

    private FakeExtension extension;
    private Origins origins;
    private InterceptionSession session;
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            warnings.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void start() throws Exception {
        Logger.getLogger("dev.apptap.redirector.macos.ne").addHandler(capture);
        extension = FakeExtension.install(directory);
        origins = new Origins();
        System.setProperty(RedirectorApp.PROPERTY, extension.launcher().toString());
        session = InterceptionSession.start(SessionOptions.builder()
                .redirector(new NetworkExtensionProvider())
                .upstreamTrust(List.of(origins.root()))
                .build());
        session.redirector();
        assertThat(extension.nextSpec()).as("the spec apptap sends as soon as the extension connects")
                .containsExactly(NeSpec.NEVER, "!" + JVM);
    }

    @AfterEach
    void stop() {
        System.clearProperty(RedirectorApp.PROPERTY);
        if (session != null) {
            session.close();
        }
        extension.close();
        origins.close();
        Logger.getLogger("dev.apptap.redirector.macos.ne").removeHandler(capture);
    }

    @Test
    void recordsCurlsHttpsThroughTheExtensionWithItsProcess() throws Exception {
        session.redirector().intercept(InterceptSpec.parse("curl"));
        assertThat(extension.nextSpec()).containsExactly("/curl", "!" + JVM);
        int port = extension.capture(new InetSocketAddress("127.0.0.1", origins.https.getAddress().getPort()));

        Curl curl = curl("--connect-to", "localhost:443:127.0.0.1:" + port, "https://localhost/secure");

        assertThat(curl.output).isEqualTo("origin saw /secure");
        HttpFlow flow = awaitHttp("/secure");
        assertThat(flow.status()).isEqualTo(200);
        assertThat(flow.tls()).isPresent();
        assertThat(flow.process().pid()).isEqualTo(curl.pid);
        assertThat(flow.process().name()).isEqualTo("curl");
        assertThat(flow.process().executable()).endsWith("/curl");
        assertThat(flow.server().port()).isEqualTo(origins.https.getAddress().getPort());
        assertThat(extension.intercepted()).isEqualTo(1);
    }

    @Test
    void recordsPlainHttpToItsOriginalDestination() throws Exception {
        session.redirector().intercept(InterceptSpec.parse("curl"));
        extension.nextSpec();
        int originPort = origins.http.getAddress().getPort();
        int port = extension.capture(new InetSocketAddress("127.0.0.1", originPort));

        Curl curl = curl("--connect-to", "origin.test:80:127.0.0.1:" + port, "http://origin.test/plain");

        assertThat(curl.output).isEqualTo("origin saw /plain");
        HttpFlow flow = awaitHttp("/plain");
        assertThat(flow.request().host()).isEqualTo("origin.test");
        assertThat(flow.process().pid()).isEqualTo(curl.pid);
    }

    @Test
    void leavesAppsTheSpecDoesNotNameToTheOperatingSystem() throws Exception {
        session.redirector().intercept(InterceptSpec.parse("wget"));
        assertThat(extension.nextSpec()).containsExactly("/wget", "!" + JVM);
        int port = extension.capture(new InetSocketAddress("127.0.0.1", origins.http.getAddress().getPort()));

        Curl curl = curl("--connect-to", "origin.test:80:127.0.0.1:" + port, "http://origin.test/untouched");

        assertThat(curl.output).isEqualTo("origin saw /untouched");
        assertThat(extension.direct()).isEqualTo(1);
        assertThat(session.flows().flows()).noneMatch(f -> f instanceof HttpFlow);
    }

    @Test
    void sendsEverySpecChangeAndTheNeverMatchingSpecOnClose() throws Exception {
        session.redirector().intercept(InterceptSpec.parse("curl,4321"));
        assertThat(extension.nextSpec()).containsExactly("/curl", "4321", "!" + JVM);
        session.redirector().intercept(InterceptSpec.parse("!python3"));
        assertThat(extension.nextSpec()).containsExactly("!/python3", "!" + JVM);
        session.redirector().intercept(InterceptSpec.NOTHING);
        assertThat(extension.nextSpec()).containsExactly(NeSpec.NEVER, "!" + JVM);

        session.close();
        session = null;

        assertThat(extension.nextSpec()).as("the last spec, sent before apptap closes the control channel")
                .containsExactly(NeSpec.NEVER, "!" + JVM);
        await().atMost(Duration.ofSeconds(10)).until(() -> extension.controlsClosed() == 1);
        assertThat(extension.launchCount()).as("a closed redirector's watchdog stays quiet").isEqualTo(1);
    }

    @Test
    void answersDnsOverAUdpFlowFromApptapsResponder() throws Exception {
        SocketChannel flow = extension.openFlow(ExtensionBytes.udpFlow("0.0.0.0", 53000, 999, "/usr/bin/dig"));
        FakeExtension.write(flow, ExtensionBytes.udpPacket(dnsQuery(0x1234, "api.test"), "10.0.0.53", 53));

        String[] answer = ExtensionBytes.udpPacketParts(FakeExtension.readFrame(flow));

        assertThat(answer[1]).as("the answer comes from the resolver the app asked").isEqualTo("10.0.0.53:53");
        byte[] dns = answer[0].getBytes(StandardCharsets.ISO_8859_1);
        assertThat(dns[0] & 0xFF).isEqualTo(0x12);
        assertThat(dns[1] & 0xFF).isEqualTo(0x34);
        assertThat(dns[3] & 0x0F).as("rcode").isZero();
        assertThat(((dns[6] & 0xFF) << 8) | (dns[7] & 0xFF)).as("answers").isPositive();
        assertThat(dns[dns.length - 4]).as("a loopback address for a .test name").isEqualTo((byte) 127);
        await().atMost(Duration.ofSeconds(10)).until(() -> session.flows().flows().stream()
                .anyMatch(f -> f instanceof DnsFlow d && d.name().equals("api.test")));
    }

    @Test
    void refusesUdpToPort443SoHttp3FallsBackToTcp() throws Exception {
        SocketChannel flow = extension.openFlow(ExtensionBytes.udpFlow("0.0.0.0", 53001, 999, "/usr/bin/curl"));
        FakeExtension.write(flow, ExtensionBytes.udpPacket(new byte[] {1, 2, 3}, "10.0.0.1", 443));

        assertThat(FakeExtension.readToEnd(flow)).isEmpty();
    }

    @Test
    void dropsMalformedFlowsWithASentenceAndKeepsServingTheOthers() throws Exception {
        SocketChannel oversized = extension.openFlow(ExtensionBytes.hex("7f ff ff ff 0a"));
        assertThat(FakeExtension.readToEnd(oversized)).isEmpty();
        SocketChannel garbage = extension.openFlow(ExtensionBytes.framed(ExtensionBytes.hex("0a 05 0a 7f 01")));
        assertThat(FakeExtension.readToEnd(garbage)).isEmpty();
        SocketChannel truncated = extension.openFlow(ExtensionBytes.hex("00 00 00 2a 0a 28 0a"));
        truncated.shutdownOutput();
        assertThat(FakeExtension.readToEnd(truncated)).isEmpty();

        await().atMost(Duration.ofSeconds(10)).until(() -> warnings.size() >= 3);
        assertThat(warnings).anyMatch(w -> w.contains("2147483647 bytes"))
                .anyMatch(w -> w.contains("malformed flow handshake"))
                .anyMatch(w -> w.contains("before the handshake was complete"));

        // An unknown field in a good handshake is skipped, and the flow goes through.
        byte[] address = ExtensionBytes.address("127.0.0.1", origins.http.getAddress().getPort());
        byte[] tcp = ExtensionBytes.concat(ExtensionBytes.field(0x0A, address), ExtensionBytes.hex("78 2a"));
        SocketChannel good = extension.openFlow(ExtensionBytes.framed(ExtensionBytes.field(0x0A, tcp)));
        FakeExtension.write(good, "GET /after HTTP/1.1\r\nHost: origin.test\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(FakeExtension.readToEnd(good)).startsWith("HTTP/1.1 200").endsWith("origin saw /after");
        assertThat(awaitHttp("/after").process().isKnown()).isFalse();
    }

    @Test
    void recordsTheRequestOfAnAppThatHangsUpRightAfterSendingIt() throws Exception {
        byte[] handshake = ExtensionBytes.tcpFlow("127.0.0.1", origins.http.getAddress().getPort(), 4242,
                "/usr/bin/printf");
        byte[] request = "GET /hang-up HTTP/1.1\r\nHost: origin.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        SocketChannel flow = extension.openFlow(ExtensionBytes.concat(handshake, request));
        flow.shutdownOutput();

        FakeExtension.readToEnd(flow);

        HttpFlow recorded = awaitHttp("/hang-up");
        assertThat(recorded.process().pid()).isEqualTo(4242);
        assertThat(recorded.process().executable()).isEqualTo("/usr/bin/printf");
    }

    private HttpFlow awaitHttp(String path) {
        List<HttpFlow> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            for (Flow flow : session.flows().flows()) {
                if (flow instanceof HttpFlow http && http.request().path().equals(path) && http.isComplete()) {
                    found.add(http);
                    return true;
                }
            }
            return false;
        });
        return found.get(0);
    }

    private record Curl(long pid, String output) {
    }

    private Curl curl(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "--noproxy", "*",
                "--cacert", session.trust().caCertificate().toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        process.getInputStream().transferTo(output);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String text = output.toString(StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("curl's exit status; it said: " + text).isZero();
        return new Curl(process.pid(), text);
    }

    /** A DNS query for {@code name}, type A, class IN, recursion desired. */
    private static byte[] dnsQuery(int id, String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(new byte[] {0, 0, 1, 0, 1});
        return out.toByteArray();
    }
}
