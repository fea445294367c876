package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.TcpFlow;
import dev.apptap.proxy.testing.OriginServer;
import dev.apptap.proxy.testing.RawTcpServer;
import dev.apptap.proxy.testing.nft.CgroupRedirect;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real apps whose connections an nft rule, scoped to a cgroup the test made, redirects to the transparent
 * listener: the engine reads each original destination with {@code SO_ORIGINAL_DST} and the process from /proc.
 */
class TransparentEndToEndTest {

    @TempDir
    static Path dir;

    static EngineFixture apptap;
    static CgroupRedirect redirect;
    static OriginServer plain;
    static OriginServer tls;
    static OriginServer tlsV6;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(CgroupRedirect.isAvailable(), CgroupRedirect::unavailableReason);
        int port = freePort();
        InetAddress v4 = InetAddress.getByName("127.0.0.1");
        InetAddress v6 = InetAddress.getByName("::1");
        apptap = EngineFixture.start(dir.resolve("trust"), b -> b
                .transparentListener(new InetSocketAddress(v4, port))
                .transparentListener(new InetSocketAddress(v6, port)));
        redirect = CgroupRedirect.redirectTo(port);
        plain = OriginServer.start();
        tls = OriginServer.startTls();
        tlsV6 = OriginServer.builder().ipv6().tls().start();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[]{redirect, apptap, plain, tls, tlsV6}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing the rest matters more
            }
        }
    }

    @Test
    void interceptsCurlPlainHttpWithOriginalDestinationAndProcess() throws Exception {
        Result r = run(apptap.trustEnvironment(), "curl", "-sS", plain.url("/hello?t=1"));

        assertThat(r.stdout).contains("hello from origin");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().url().equals(plain.url("/hello?t=1")));
        assertThat(flow.server().address()).isEqualTo("127.0.0.1");
        assertThat(flow.server().port()).isEqualTo(plain.port());
        assertThat(flow.process().name()).isEqualTo("curl");
        assertThat(flow.process().pid()).isEqualTo(r.pid);
    }

    @Test
    void decryptsCurlHttpsWhenCurlTrustsTheLaunchEnvironment() throws Exception {
        Result r = run(apptap.trustEnvironment(), "curl", "-sS", tls.url("localhost", "/hello?t=2"));

        assertThat(r.stdout).contains("hello from origin");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().url().equals(tls.url("localhost", "/hello?t=2")));
        assertThat(flow.tls().orElseThrow().sni()).isEqualTo("localhost");
        assertThat(flow.process().name()).isEqualTo("curl");
    }

    @Test
    void decryptsHttpsToIpv6Loopback() throws Exception {
        Result r = run(apptap.trustEnvironment(), "curl", "-sS", "https://[::1]:" + tlsV6.port() + "/hello?t=6");

        assertThat(r.stdout).as(r.stderr).contains("hello from origin");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().query().equals("t=6"));
        assertThat(flow.server().address()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(flow.request().url()).isEqualTo("https://[::1]:" + tlsV6.port() + "/hello?t=6");
        assertThat(flow.tls().orElseThrow().sni()).as("curl sends no SNI for an address").isEmpty();
    }

    @Test
    void decryptsPython3Urllib() throws Exception {
        Result r = run(apptap.trustEnvironment(), "python3", "-c",
                "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1]).read().decode())",
                tls.url("localhost", "/hello?t=py"));

        assertThat(r.stdout).as(r.stderr).contains("hello from origin");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().query().equals("t=py"));
        assertThat(flow.process().name()).startsWith("python3");
    }

    @Test
    void decryptsNodeFetch() throws Exception {
        Result r = run(apptap.trustEnvironment(), "node", "-e",
                "fetch(process.argv[1]).then(r => r.text()).then(t => console.log(t))"
                        + ".catch(e => { console.error(e.cause || e); process.exit(3); })",
                tls.url("localhost", "/hello?t=node"));

        assertThat(r.stdout).as(r.stderr).contains("hello from origin");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().query().equals("t=node"));
        assertThat(flow.process().name()).isEqualTo("node");
    }

    @Test
    void relaysAServerFirstProtocolAsTcpFlow() throws Exception {
        try (RawTcpServer banner = RawTcpServer.start()) {
            Result r = run(Map.of(), "python3", "-c",
                    "import socket,sys\n"
                            + "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
                            + "f = s.makefile('rwb')\n"
                            + "print(f.readline().decode().strip())\n"
                            + "f.write(b'hi there\\n'); f.flush()\n"
                            + "print(f.readline().decode().strip())",
                    String.valueOf(banner.port()));

            assertThat(r.stdout).as(r.stderr).contains("HELLO").contains("HI THERE");
            TcpFlow flow = apptap.awaitTcp(f -> f.server().port() == banner.port());
            assertThat(new String(flow.fromServer().rawBytes(), StandardCharsets.US_ASCII)).startsWith("HELLO");
            assertThat(new String(flow.fromClient().rawBytes(), StandardCharsets.US_ASCII)).isEqualTo("hi there\n");
            assertThat(flow.tls()).isEmpty();
        }
    }

    @Test
    void decryptsANonHttpProtocolOverTlsFromOpensslSClient() throws Exception {
        try (RawTcpServer banner = RawTcpServer.startTls()) {
            Result r = run(apptap.trustEnvironment(), "sh", "-c",
                    "(sleep 1; echo ping; sleep 1) | openssl s_client -quiet -no_ign_eof -connect 127.0.0.1:" + banner.port()
                            + " -servername localhost -CAfile " + apptap.trust.caBundle());

            assertThat(r.stdout).as(r.stderr).contains("HELLO").contains("PING");
            TcpFlow flow = apptap.awaitTcp(f -> f.server().port() == banner.port() && f.tls().isPresent());
            assertThat(flow.tls().orElseThrow().sni()).isEqualTo("localhost");
            assertThat(new String(flow.fromClient().rawBytes(), StandardCharsets.US_ASCII)).isEqualTo("ping\n");
        }
    }

    private record Result(long pid, int exit, String stdout, String stderr) {
    }

    private static Result run(Map<String, String> env, String... command) throws Exception {
        Map<String, String> environment = new HashMap<>(env);
        Process process = redirect.start(List.of(command), environment);
        process.getOutputStream().close();
        var out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        var err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        return new Result(process.pid(), process.exitValue(), out.get(), err.get());
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

}
