package dev.apptap.proxy.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.Endpoint;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.FlowStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DnsResponderTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final FlowStore flows = new FlowStore();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    /** Never the real resolv.conf: a test that forgets to name an upstream gets one that answers nothing. */
    private DnsResponder.Builder responder() throws IOException {
        return DnsResponder.builder(flows).upstreamResolver(closeLater(FakeUpstream.silent()).address())
                .upstreamTimeout(Duration.ofMillis(500));
    }

    private DnsFlow awaitDns(String name) {
        return flows.view().awaitFirst(DnsFlow.class, f -> f.name().equals(name) && f.isComplete(), WAIT);
    }

    @Test
    void answersAStubbedNameWithALoopbackAddressOverUdp() throws IOException {
        DnsResponder dns = closeLater(responder().policy(DnsPolicy.stubbing(n -> n.endsWith(".test"))).start());

        DnsWire.Response response = DnsWire.parse(DnsWire.udp(dns.address(), DnsWire.query(0x1234, "api.example.test", DnsWire.A)));

        assertThat(response.id()).isEqualTo(0x1234);
        assertThat(response.response()).isTrue();
        assertThat(response.authoritative()).isTrue();
        assertThat(response.rcode()).isZero();
        assertThat(response.addresses()).containsExactly("127.0.0.2");
        assertThat(response.answers().get(0).ttl()).isEqualTo(1);
        DnsFlow flow = awaitDns("api.example.test");
        assertThat(flow.type()).isEqualTo("A");
        assertThat(flow.transport()).isEqualTo(DnsFlow.Transport.UDP);
        assertThat(flow.answers()).containsExactly("127.0.0.2");
        assertThat(flow.rcode()).isEqualTo("NOERROR");
        assertThat(flow.resolution()).isEqualTo(DnsFlow.Resolution.STUBBED);
        assertThat(flow.error()).isEmpty();
        assertThat(flow.server()).isEqualTo(new Endpoint("127.0.0.1", dns.port(), "127.0.0.1"));
        assertThat(flow.summary()).endsWith("DNS A api.example.test → 127.0.0.2 (stubbed)");
    }

    @Test
    void answersAStubbedNameOverTcpOnTheSamePortWithTheSameAddress() throws IOException {
        DnsResponder dns = closeLater(responder().policy(DnsPolicy.stubbing(n -> n.endsWith(".test"))).start());

        DnsWire.Response overUdp = DnsWire.parse(DnsWire.udp(dns.address(), DnsWire.query(1, "api.example.test", DnsWire.A)));
        DnsWire.Response overTcp = DnsWire.parse(DnsWire.tcp(dns.address(), DnsWire.query(2, "API.example.test", DnsWire.A)));

        assertThat(overTcp.id()).isEqualTo(2);
        assertThat(overTcp.addresses()).isEqualTo(overUdp.addresses()).containsExactly("127.0.0.2");
        DnsFlow flow = awaitDns("API.example.test");
        assertThat(flow.transport()).isEqualTo(DnsFlow.Transport.TCP);
        assertThat(flow.answers()).containsExactly("127.0.0.2");
    }

    @Test
    void answersSeveralQueriesOnOneTcpConnection() throws IOException {
        DnsResponder dns = closeLater(responder().policy(DnsPolicy.offline()).start());

        try (Socket socket = new Socket()) {
            socket.connect(dns.address(), 5_000);
            socket.setSoTimeout(5_000);
            DnsWire.Response first = DnsWire.parse(DnsWire.tcpExchange(socket, DnsWire.query(7, "one.test", DnsWire.A)));
            DnsWire.Response second = DnsWire.parse(DnsWire.tcpExchange(socket, DnsWire.query(8, "two.test", DnsWire.A)));

            assertThat(first.id()).isEqualTo(7);
            assertThat(second.id()).isEqualTo(8);
            assertThat(first.addresses()).doesNotContainAnyElementsOf(second.addresses());
        }
    }

    @Test
    void givesEveryNameItsOwnStableLoopbackAddressInOfflineMode() throws IOException {
        DnsResponder dns = closeLater(responder().policy(DnsPolicy.offline()).start());

        List<String> first = new ArrayList<>();
        for (String name : List.of("a.example.com", "b.example.org", "c.example.net", "a.example.com.", "B.EXAMPLE.ORG")) {
            first.addAll(DnsWire.parse(DnsWire.udp(dns.address(), DnsWire.query(9, name, DnsWire.A))).addresses());
        }

        assertThat(first).containsExactly("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.2", "127.0.0.3");
        assertThat(dns.addressPool().nameOf(InetAddress.getByName("127.0.0.3"))).contains("b.example.org");
        assertThat(awaitDns("c.example.net").summary()).endsWith("DNS A c.example.net → 127.0.0.4 (offline)");
    }

    @Test
    void answersAaaaAndOtherTypesForStubbedNamesWithNoRecordsSoClientsFallBackToA() throws IOException {
        DnsResponder dns = closeLater(responder().policy(DnsPolicy.offline()).start());

        DnsWire.Response aaaa = DnsWire.parse(DnsWire.udp(dns.address(), DnsWire.query(3, "v6.test", DnsWire.AAAA)));
        DnsWire.Response mx = DnsWire.parse(DnsWire.udp(dns.address(), DnsWire.query(4, "v6.test", DnsWire.MX)));

        assertThat(aaaa.rcode()).isZero();
        assertThat(aaaa.answers()).isEmpty();
        assertThat(mx.rcode()).isZero();
        assertThat(mx.answers()).isEmpty();
        DnsFlow flow = flows.view().awaitFirst(DnsFlow.class, f -> f.type().equals("AAAA") && f.isComplete(), WAIT);
        assertThat(flow.summary()).endsWith("DNS AAAA v6.test → no records (offline)");
    }

    @Test
    void answersWithThePolicysOwnAddressesByFamily() throws IOException {
        InetAddress v4 = InetAddress.getByName("127.0.0.9");
        InetAddress v6 = InetAddress.getByName("::1");
        DnsResponder dns = closeLater(responder().policy((name, type) -> Optional.of(DnsAnswer.stubbed(v4, v6))).start());

        assertThat(DnsWire.parse(DnsWire.udp(dns.address(), DnsWire.query(1, "pinned.test", DnsWire.A))).addresses())
                .containsExactly("127.0.0.9");
        assertThat(DnsWire.parse(DnsWire.udp(dns.address(), DnsWire.query(2, "pinned.test", DnsWire.AAAA))).addresses())
                .containsExactly("0:0:0:0:0:0:0:1");
    }

    @Test
    void forwardsOtherNamesToTheUpstreamResolverAndRelaysItsAnswerByteForByte() throws Exception {
        FakeUpstream upstream = closeLater(FakeUpstream.answering());
        DnsResponder dns = closeLater(DnsResponder.builder(flows).upstreamResolver(upstream.address())
                .policy(DnsPolicy.stubbing(n -> n.endsWith(".test"))).start());

        byte[] answer = DnsWire.udp(dns.address(), DnsWire.query(0xBEEF, "www.example.com", DnsWire.A));

        assertThat(upstream.queries()).hasSize(1);
        assertThat(DnsWire.parse(upstream.queries().get(0)).id()).isEqualTo(0xBEEF);
        assertThat(answer).isEqualTo(upstream.answers().get(0));
        assertThat(DnsWire.parse(answer).addresses()).containsExactly("192.0.2.7");
        DnsFlow flow = awaitDns("www.example.com");
        assertThat(flow.resolution()).isEqualTo(DnsFlow.Resolution.FORWARDED);
        assertThat(flow.rcode()).isEqualTo("NOERROR");
        assertThat(flow.answers()).containsExactly("CNAME edge.www.example.com", "192.0.2.7");
        assertThat(flow.summary()).contains("DNS A www.example.com → CNAME edge.www.example.com, 192.0.2.7 (forwarded, ");
    }

    @Test
    void forwardsTcpQueriesOverUdpAndRelaysTheAnswerOverTcp() throws Exception {
        FakeUpstream upstream = closeLater(FakeUpstream.answering());
        DnsResponder dns = closeLater(DnsResponder.builder(flows).upstreamResolver(upstream.address()).start());

        byte[] answer = DnsWire.tcp(dns.address(), DnsWire.query(0x0A0B, "tcp.example.com", DnsWire.A));

        assertThat(answer).isEqualTo(upstream.answers().get(0));
        assertThat(awaitDns("tcp.example.com").transport()).isEqualTo(DnsFlow.Transport.TCP);
    }

    @Test
    void answersServfailAndRecordsTheErrorWhenTheUpstreamResolverTimesOut() throws Exception {
        FakeUpstream upstream = closeLater(FakeUpstream.silent());
        DnsResponder dns = closeLater(DnsResponder.builder(flows).upstreamResolver(upstream.address())
                .upstreamTimeout(Duration.ofMillis(300)).start());

        DnsWire.Response response = DnsWire.parse(DnsWire.udp(dns.address(), DnsWire.query(0x4242, "slow.example.com", DnsWire.A)));

        assertThat(response.id()).isEqualTo(0x4242);
        assertThat(response.rcode()).isEqualTo(2); // SERVFAIL
        assertThat(upstream.queries()).hasSize(1);
        DnsFlow flow = awaitDns("slow.example.com");
        assertThat(flow.rcode()).isEqualTo("SERVFAIL");
        assertThat(flow.resolution()).isEqualTo(DnsFlow.Resolution.FAILED);
        assertThat(flow.error()).map(FlowError::kind).contains(FlowError.Kind.UPSTREAM_TIMEOUT);
        assertThat(flow.error().get().message())
                .contains(upstream.address().getPort() + "", "slow.example.com", "within 300 ms", "SERVFAIL");
        assertThat(flow.duration()).hasValueSatisfying(d -> assertThat(d).isGreaterThanOrEqualTo(Duration.ofMillis(250)));
    }

    @Test
    void answersServfailQuicklyWhenNothingListensAtTheUpstreamResolver() throws Exception {
        InetSocketAddress closed;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            closed = (InetSocketAddress) probe.getLocalSocketAddress();
        }
        DnsResponder dns = closeLater(DnsResponder.builder(flows).upstreamResolver(closed)
                .upstreamTimeout(Duration.ofSeconds(4)).start());

        long started = System.nanoTime();
        DnsWire.Response response = DnsWire.parse(DnsWire.udp(dns.address(), DnsWire.query(5, "nobody.example.com", DnsWire.A)));

        assertThat(response.rcode()).isEqualTo(2);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        assertThat(awaitDns("nobody.example.com").error()).map(FlowError::kind).contains(FlowError.Kind.UPSTREAM_REFUSED);
    }

    @Test
    void answersServfailWhenResolvConfNamesNoNameserver(@TempDir Path dir) throws IOException {
        Path resolvConf = Files.writeString(dir.resolve("resolv.conf"), "# managed by nobody\nsearch example.com\n");
        DnsResponder dns = closeLater(DnsResponder.builder(flows).resolvConf(resolvConf).start());

        DnsWire.Response response = DnsWire.parse(DnsWire.udp(dns.address(), DnsWire.query(6, "example.com", DnsWire.A)));

        assertThat(dns.upstreamResolver()).isEmpty();
        assertThat(response.rcode()).isEqualTo(2);
        DnsFlow flow = awaitDns("example.com");
        assertThat(flow.error()).map(FlowError::kind).contains(FlowError.Kind.UPSTREAM_DNS);
        assertThat(flow.error().get().message()).contains("names no nameserver");
    }

    @Test
    void refusesToForwardToItselfInsteadOfLooping() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        DnsResponder dns = closeLater(DnsResponder.builder(flows).port(port)
                .upstreamResolver(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).start());

        DnsWire.Response response = DnsWire.parse(DnsWire.udp(dns.address(), DnsWire.query(6, "loop.example.com", DnsWire.A)));

        assertThat(response.rcode()).isEqualTo(2);
        assertThat(awaitDns("loop.example.com").error().get().message()).contains("apptap's own DNS responder");
        assertThat(flows.flows()).hasSize(1);
    }

    @Test
    void recordsTheProcessThatSentTheQueryOverUdpAndTcp() throws IOException {
        DnsResponder dns = closeLater(responder().policy(DnsPolicy.offline()).start());

        DnsWire.udp(dns.address(), DnsWire.query(1, "udp.test", DnsWire.A));
        DnsWire.tcp(dns.address(), DnsWire.query(2, "tcp.test", DnsWire.A));

        long self = ProcessHandle.current().pid();
        assertThat(awaitDns("udp.test").process().pid()).isEqualTo(self);
        assertThat(awaitDns("tcp.test").process().pid()).isEqualTo(self);
        assertThat(awaitDns("udp.test").summary()).startsWith("java DNS A udp.test");
    }

    @Test
    void recordsTheResolverTheRedirectorSaysTheAppAsked() throws IOException {
        InetSocketAddress resolved = new InetSocketAddress(InetAddress.getByName("127.0.0.53"), 53);
        DnsResponder dns = closeLater(responder().policy(DnsPolicy.offline())
                .originalResolvers((app, transport) -> Optional.of(resolved)).start());

        DnsWire.udp(dns.address(), DnsWire.query(1, "where.test", DnsWire.A));

        assertThat(awaitDns("where.test").server().authority()).isEqualTo("127.0.0.53:53");
    }

    @Test
    void answersFormerrToAMalformedQueryAndKeepsServing() throws IOException {
        DnsResponder dns = closeLater(responder().policy(DnsPolicy.offline()).start());
        byte[] truncated = Arrays.copyOf(DnsWire.query(0x7777, "cut.test", DnsWire.A), 20);

        DnsWire.Response response = DnsWire.parse(DnsWire.udp(dns.address(), truncated));

        assertThat(response.id()).isEqualTo(0x7777);
        assertThat(response.rcode()).isEqualTo(1); // FORMERR
        DnsFlow flow = flows.view().awaitFirst(DnsFlow.class, f -> f.rcode().equals("FORMERR"), WAIT);
        assertThat(flow.error()).map(FlowError::kind).contains(FlowError.Kind.MALFORMED_REQUEST);
        assertThat(flow.summary()).contains("(malformed query) ✗");
        assertThat(DnsWire.parse(DnsWire.udp(dns.address(), DnsWire.query(1, "after.test", DnsWire.A))).rcode()).isZero();
    }

    /**
     * Found by DnsQueryFuzzTest (input {@code name-with-nul-byte}): Netty decodes the name but cannot encode it, so the
     * answer was never sent and the app waited for its timeout.
     */
    @Test
    void answersFormerrToANameWithANulByteInALabel() throws IOException {
        DnsResponder dns = closeLater(responder().policy(DnsPolicy.offline()).start());

        DnsWire.Response response = DnsWire.parse(DnsWire.udp(dns.address(), DnsWire.query(0x5151, "nul\u0000byte.test", DnsWire.A)));

        assertThat(response.id()).isEqualTo(0x5151);
        assertThat(response.rcode()).isEqualTo(1); // FORMERR
        DnsFlow flow = flows.view().awaitFirst(DnsFlow.class, f -> f.rcode().equals("FORMERR"), WAIT);
        assertThat(flow.error().orElseThrow().message()).endsWith("sent a DNS query for a name with a NUL byte in a label"
                + " (nul\\0byte.test); apptap answered FORMERR.");
    }

    @Test
    void dropsDatagramsThatAreNotQueries() throws IOException {
        DnsResponder dns = closeLater(responder().policy(DnsPolicy.offline()).start());
        byte[] response = DnsWire.query(1, "reflected.test", DnsWire.A);
        response[2] |= (byte) 0x80; // QR: a response, which answering could bounce between two servers forever

        for (byte[] junk : List.of(new byte[] {1, 2, 3}, new byte[0], response)) {
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                socket.setSoTimeout(300);
                socket.send(new DatagramPacket(junk, junk.length, dns.address()));
                assertThatThrownBy(() -> socket.receive(new DatagramPacket(new byte[512], 512)))
                        .isInstanceOf(SocketTimeoutException.class);
            }
        }
        assertThat(DnsWire.parse(DnsWire.udp(dns.address(), DnsWire.query(1, "after.test", DnsWire.A))).rcode()).isZero();
        // the answer can reach the client before its flow is stored: wait for that flow, then count
        flows.view().awaitFirst(DnsFlow.class, f -> f.name().equals("after.test"), WAIT);
        assertThat(flows.flows()).hasSize(1);
    }

    @Test
    void closesATcpConnectionThatSendsGarbageAndKeepsServing() throws IOException {
        DnsResponder dns = closeLater(responder().policy(DnsPolicy.offline()).start());

        try (Socket socket = new Socket()) {
            socket.connect(dns.address(), 5_000);
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(new byte[] {0, 3, 1, 2, 3});
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(DnsWire.parse(DnsWire.tcp(dns.address(), DnsWire.query(1, "after.test", DnsWire.A))).rcode()).isZero();
    }

    @Test
    void answersFormerrToAQueryWithoutQuestions() throws IOException {
        DnsResponder dns = closeLater(responder().policy(DnsPolicy.offline()).start());
        byte[] empty = Arrays.copyOf(DnsWire.query(0x0102, "x.test", DnsWire.A), 12);
        empty[5] = 0; // QDCOUNT 0

        DnsWire.Response response = DnsWire.parse(DnsWire.udp(dns.address(), empty));

        assertThat(response.id()).isEqualTo(0x0102);
        assertThat(response.rcode()).isEqualTo(1);
    }

    @Test
    void listensOnTheIpv6LoopbackToWhenAsked() throws IOException {
        DnsResponder dns = closeLater(responder().policy(DnsPolicy.offline()).ipv6(true).start());

        InetSocketAddress v6 = dns.addresses().get(1);
        assertThat(v6.getAddress().isLoopbackAddress()).isTrue();
        assertThat(v6.getPort()).isEqualTo(dns.port());
        assertThat(DnsWire.parse(DnsWire.udp6(v6, DnsWire.query(1, "six.test", DnsWire.A))).addresses())
                .containsExactly("127.0.0.2");
    }

    @Test
    void failsToStartWithASentenceWhenThePortIsTaken() throws IOException {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            assertThatThrownBy(() -> DnsResponder.builder(flows).port(taken.getLocalPort()).start())
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("could not listen on port " + taken.getLocalPort());
        }
    }

    @Test
    void answersPythonsRawSocketQuery() throws Exception {
        Assumptions.assumeTrue(python3Available(), "python3 is not installed.");
        DnsResponder dns = closeLater(responder().policy(DnsPolicy.stubbing(n -> n.equals("py.example.test"))).start());
        String script = String.join("\n",
                "import socket, struct, sys",
                "q = struct.pack('>HHHHHH', 0x5151, 0x0100, 1, 0, 0, 0)",
                "q += b''.join(bytes([len(p)]) + p.encode() for p in 'py.example.test'.split('.')) + b'\\0'",
                "q += struct.pack('>HH', 1, 1)",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)",
                "s.sendto(q, ('127.0.0.1', int(sys.argv[1])))",
                "r = s.recv(512)",
                "print(hex(struct.unpack('>H', r[:2])[0]), socket.inet_ntoa(r[-4:]))");
        Process python = new ProcessBuilder("python3", "-c", script, Integer.toString(dns.port()))
                .redirectErrorStream(true).start();
        assertThat(python.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String output = new String(python.getInputStream().readAllBytes()).strip();

        assertThat(output).isEqualTo("0x5151 127.0.0.2");
        DnsFlow flow = awaitDns("py.example.test");
        assertThat(flow.process().name()).startsWith("python");
        assertThat(flow.summary()).startsWith(flow.process().name() + " DNS A py.example.test → 127.0.0.2 (stubbed)");
    }

    private static boolean python3Available() {
        try {
            Process probe = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            probe.getInputStream().readAllBytes();
            return probe.waitFor(5, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
