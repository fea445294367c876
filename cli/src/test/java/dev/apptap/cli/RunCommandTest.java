package dev.apptap.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.apptap.proxy.redirect.RedirectorProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real programs through {@code java -jar apptap-cli.jar run}. Every host is loopback or a {@code *.test} name, which
 * apptap answers itself, so nothing here leaves the machine.
 */
class RunCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ITEMS = "https://api.example.test/v1/items";

    @TempDir
    Path work;

    private HttpServer origin;

    @BeforeEach
    void startOrigin() throws IOException {
        origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        origin.createContext("/", exchange -> {
            byte[] body = ("origin saw " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        origin.start();
    }

    @AfterEach
    void stopOrigin() {
        origin.stop(0);
    }

    @Test
    void jsonPrintsOneLinePerFlowThatParsesBack() throws Exception {
        CliProcess.Result result = apptap("run", "--json", "--offline", "--stub", "GET " + ITEMS + " 200 [1,2]",
                "--", "curl", "-sS", ITEMS);

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("[1,2]");
        List<JsonNode> flows = jsonFlows(result.stdout());
        assertThat(flows).as(result.toString()).hasSize(1);
        JsonNode flow = flows.get(0);
        assertThat(flow.get("kind").asText()).isEqualTo("http");
        assertThat(flow.get("method").asText()).isEqualTo("GET");
        assertThat(flow.get("url").asText()).isEqualTo(ITEMS);
        assertThat(flow.get("status").asInt()).isEqualTo(200);
        assertThat(flow.get("responseBytes").asLong()).isEqualTo(5);
        assertThat(flow.get("handling").asText()).isEqualTo("stubbed");
        assertThat(flow.at("/process/name").asText()).isEqualTo("curl");
        assertThat(flow.at("/tls/sni").asText()).isEqualTo("api.example.test");
        assertThat(flow.get("error").isNull()).isTrue();
        assertThat(result.stderrLines().get(0)).startsWith("apptap: ");
        assertThat(result.stderr()).contains("1 flow: 1 OK, 0 failed; 5 B in, 0 B out");
    }

    @Test
    void harHasAnEntryPerFlowWithProcessAndError() throws Exception {
        Path har = work.resolve("reports/out.har");

        CliProcess.Result result = apptap("run", "--mode", "launch", "--offline", "--har", har.toString(),
                "--stub", "GET " + ITEMS + " 200 [1,2]", "--",
                "sh", "-c", "curl -sS " + ITEMS + "; curl -sS https://api.example.test/v1/missing");

        assertThat(result.exit()).as(result.toString()).isZero();
        JsonNode entries = JSON.readTree(har.toFile()).at("/log/entries");
        assertThat(entries).as(result.toString()).hasSize(2);
        JsonNode stubbed = entries.get(0);
        assertThat(stubbed.at("/request/url").asText()).isEqualTo(ITEMS);
        assertThat(stubbed.at("/response/status").asInt()).isEqualTo(200);
        assertThat(stubbed.at("/_process/name").asText()).isEqualTo("curl");
        assertThat(stubbed.get("_error").isNull()).isTrue();
        JsonNode unmatched = entries.get(1);
        assertThat(unmatched.at("/_process/name").asText()).isEqualTo("curl");
        assertThat(unmatched.at("/_error/kind").asText()).isEqualTo("NO_STUB_MATCHED");
        assertThat(result.stderr()).contains("2 flows: 1 OK, 1 failed").contains("wrote " + har);
    }

    @Test
    void exitsWithTheCommandsExitCode() throws Exception {
        CliProcess.Result result = apptap("run", "--quiet", "--", "sh", "-c", "exit 7");

        assertThat(result.exit()).as(result.toString()).isEqualTo(7);
        assertThat(result.stderr()).contains("0 flows");
    }

    @Test
    void aMissingCommandExitsLikeAShell() throws Exception {
        CliProcess.Result result = apptap("run", "--", "no-such-command-apptap");

        assertThat(result.exit()).isEqualTo(127);
        assertThat(result.stderr()).contains("no-such-command-apptap: no such command on the PATH");
    }

    @Test
    void badUsageGetsOneSentenceAndTheUsageLine() throws Exception {
        CliProcess.Result result = apptap("run", "--stub", "GET", "--", "true");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.stderrLines()).hasSize(2);
        assertThat(result.stderrLines().get(0)).startsWith("apptap: --stub 'GET' needs at least a method, a URL and a status");
        assertThat(result.stderrLines().get(1)).isEqualTo("Usage: apptap run [options] -- <command> [args…]");
    }

    @Test
    void launchModeGivesPythonTheProxyAndTrust() throws Exception {
        assumeTrue(onPath("python3"), "python3 is not installed, so the LAUNCH test with urllib cannot run.");

        CliProcess.Result result = apptap("run", "--mode", "launch", "--offline",
                "--stub", "GET https://api.example.test/hello 200 hi from a stub", "--",
                "python3", "-c", "import urllib.request; print(urllib.request.urlopen('https://api.example.test/hello')"
                        + ".read().decode())");

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("hi from a stub");
        assertThat(result.stderrLines().get(0))
                .startsWith("apptap: LAUNCH mode (python3 gets HTTP(S)_PROXY and CA trust variables)");
        assertThat(result.stderr()).containsPattern("python3[.0-9]*\\[\\d+] GET https://api.example.test/hello -> 200");
    }

    @Test
    void routeSendsAHostToALocalServer() throws Exception {
        int port = origin.getAddress().getPort();

        CliProcess.Result result = apptap("run", "--mode", "launch", "--json",
                "--route", "api.example.test=127.0.0.1:" + port, "--",
                "curl", "-sS", "https://api.example.test/v1/routed");

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("origin saw /v1/routed");
        JsonNode flow = jsonFlows(result.stdout()).get(0);
        assertThat(flow.get("handling").asText()).isEqualTo("routed");
        assertThat(flow.get("status").asInt()).isEqualTo(200);
    }

    @Test
    void osproxyInterceptsCurlTransparently() throws Exception {
        Optional<String> unavailable = osProxyUnavailable();
        assumeTrue(unavailable.isEmpty(), () -> "OSPROXY cannot run here: " + unavailable.orElse(""));
        int port = origin.getAddress().getPort();

        CliProcess.Result result = apptap("run", "--mode", "osproxy", "--offline",
                "--stub", "GET " + ITEMS + " 200 [1,2]", "--",
                "sh", "-c", "curl -sS http://127.0.0.1:" + port + "/direct; echo; curl -sS " + ITEMS);

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("[1,2]");
        assertThat(result.stderrLines().get(0))
                .isEqualTo("apptap: intercepting sh and its children transparently (OSPROXY via linux-ebpf).");
        // curl, a child of the launched shell, is intercepted without being named; offline, the origin is not reached
        assertThat(result.stderr())
                .containsPattern("curl\\[\\d+] GET http://127.0.0.1:" + port + "/direct failed: ")
                .containsPattern("curl\\[\\d+] GET " + ITEMS + " -> 200, 5 B in, 0 B out, \\d+ ms \\(stubbed\\)");
        assertThat(result.stdout()).doesNotContain("origin saw");
    }

    @Test
    void osproxyRecordsAnAppThatConnectsFirstAndSpeaksASecondLaterAsHttp() throws Exception {
        Optional<String> unavailable = osProxyUnavailable();
        assumeTrue(unavailable.isEmpty(), () -> "OSPROXY cannot run here: " + unavailable.orElse(""));
        int port = origin.getAddress().getPort();
        // like a connection pool that pre-connects: the request comes long after apptap's serverFirstWait
        Path script = Files.writeString(work.resolve("late.py"), String.join("\n",
                "import socket, sys, time",
                "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))",
                "time.sleep(1)",
                "s.sendall(b'GET /late HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n')",
                "data = b''",
                "while True:",
                "    chunk = s.recv(65536)",
                "    if not chunk: break",
                "    data += chunk",
                "print(data.decode().split('\\r\\n\\r\\n', 1)[-1])", ""));

        CliProcess.Result result = apptap("run", "--mode", "osproxy", "--json", "--", "python3", script.toString(),
                Integer.toString(port));

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("origin saw /late");
        List<JsonNode> flows = jsonFlows(result.stdout());
        assertThat(flows).as(result.toString()).hasSize(1);
        assertThat(flows.get(0).get("kind").asText()).as(result.toString()).isEqualTo("http");
        assertThat(flows.get(0).get("url").asText()).as("the port the app connected to, which its Host header lacks")
                .isEqualTo("http://127.0.0.1:" + port + "/late");
        assertThat(flows.get(0).get("status").asInt()).isEqualTo(200);
    }

    @Test
    void faultCutsAStubsBodyOffAndTheFlowSaysSo() throws Exception {
        CliProcess.Result result = apptap("run", "--json", "--offline",
                "--stub", "GET " + ITEMS + " 200 " + "x".repeat(100), "--fault", "GET " + ITEMS + " close-after=10",
                "--", "curl", "-sS", ITEMS);

        assertThat(result.exit()).as(result.toString()).isEqualTo(18);
        assertThat(result.stderr()).contains("curl: (18) transfer closed with 90 bytes remaining to read");
        JsonNode flow = jsonFlows(result.stdout()).get(0);
        assertThat(flow.at("/error/kind").asText()).isEqualTo("FAULT");
        assertThat(flow.at("/error/message").asText()).contains("after 10 bytes of the response body to GET " + ITEMS);
    }

    private CliProcess.Result apptap(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        // a fresh CA per test: nothing is written to ~/.apptap
        all.add(1, "--ca-dir");
        all.add(2, work.resolve("ca").toString());
        return CliProcess.run(work, all.toArray(new String[0]));
    }

    /** Flow lines; an app's output without a final newline may share a line with the first one. */
    private static List<JsonNode> jsonFlows(String stdout) throws IOException {
        List<JsonNode> flows = new ArrayList<>();
        for (String line : stdout.split("\n")) {
            int start = line.indexOf("{\"id\":");
            if (start >= 0) {
                flows.add(JSON.readTree(line.substring(start)));
            }
        }
        return flows;
    }

    static Optional<String> osProxyUnavailable() {
        List<RedirectorProvider> installed = RedirectorProvider.installed();
        if (installed.isEmpty()) {
            return Optional.of("no redirector is on the class path.");
        }
        return installed.get(0).unavailableReason();
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir.isEmpty() ? "." : dir, program))) {
                return true;
            }
        }
        return false;
    }
}
