package dev.apptap.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code apptap run --har} then {@code --replay} with the server stopped, and {@code --stub} templates and status
 * sequences, with curl and python3 in LAUNCH mode. Every host is a {@code *.test} name or loopback.
 */
class ReplayCommandTest {

    private static final String USER = "https://api.example.test/v1/users/1";
    private static final String CREATE = "https://api.example.test/v1/users";
    private static final String PYTHON_POST = "import sys, urllib.request; print(urllib.request.urlopen("
            + "urllib.request.Request(sys.argv[1], data=b'{\"name\": \"ann\"}')).read().decode())";

    @TempDir
    Path work;

    @Test
    void recordsWithHarThenReplaysToCurlAndPython3WithTheServerStopped() throws Exception {
        Path har = work.resolve("api.har");
        HttpServer origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        origin.createContext("/", exchange -> {
            byte[] request = exchange.getRequestBody().readAllBytes();
            byte[] body = (exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
                    + new String(request, StandardCharsets.UTF_8)).strip().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        origin.start();
        CliProcess.Result recorded;
        try {
            recorded = apptap("run", "--mode", "launch", "--har", har.toString(),
                    "--route", "api.example.test=127.0.0.1:" + origin.getAddress().getPort(), "--",
                    "sh", "-c", "curl -sS " + USER + "; echo; python3 -c \"$0\" " + CREATE, PYTHON_POST);
        } finally {
            origin.stop(0);
        }
        assertThat(recorded.exit()).as(recorded.toString()).isZero();
        assertThat(recorded.stdout()).contains("GET /v1/users/1", "POST /v1/users {\"name\": \"ann\"}");

        CliProcess.Result replayed = apptap("run", "--mode", "launch", "--replay", har.toString(), "--",
                "sh", "-c", "curl -sS " + USER + "; echo; python3 -c \"$0\" " + CREATE, PYTHON_POST);

        assertThat(replayed.exit()).as(replayed.toString()).isZero();
        assertThat(replayed.stdout()).isEqualTo(recorded.stdout());
        assertThat(replayed.stderr()).contains("2 flows: 2 OK");
    }

    @Test
    void unrecordedRequestGets502NamingTheClosestRecordedOne() throws Exception {
        Path har = Files.writeString(work.resolve("one.har"), """
                {"log": {"entries": [{"request": {"method": "GET", "url": "https://api.example.test/v1/users/1"},
                  "response": {"status": 200, "content": {"text": "ann"}}}]}}""");

        CliProcess.Result result = apptap("run", "--mode", "launch", "--replay", har.toString(), "--",
                "curl", "-sS", "-w", "|%{http_code}", "https://api.example.test/v1/users/2");

        assertThat(result.stdout()).as(result.toString())
                .contains("recorded no request like GET https://api.example.test/v1/users/2",
                        "GET https://api.example.test:443/v1/users/1", "path: expected /v1/users/1 but was /v1/users/2")
                .endsWith("|502");
    }

    @Test
    void aMissingReplayFileIsAUsageErrorNamingIt() throws Exception {
        CliProcess.Result result = apptap("run", "--mode", "launch", "--replay", "nowhere.har", "--", "true");

        assertThat(result.exit()).as(result.toString()).isEqualTo(Apptap.USAGE);
        assertThat(result.stderr()).contains("nowhere.har does not exist");
    }

    @Test
    void stubTemplateEchoesPathSegmentQueryParamAndJsonField() throws Exception {
        CliProcess.Result result = apptap("run", "--mode", "launch", "--offline",
                "--stub", "POST https://api.example.test/v1/users/* 201 "
                        + "{\"id\":\"{{path.3}}\",\"team\":\"{{query.team}}\",\"name\":\"{{json.user.name}}\"}",
                "--", "curl", "-sS", "-w", "|%{http_code}|%{content_type}", "-d", "{\"user\":{\"name\":\"bob\"}}",
                "https://api.example.test/v1/users/42?team=blue");

        assertThat(result.stdout()).as(result.toString())
                .isEqualTo("{\"id\":\"42\",\"team\":\"blue\",\"name\":\"bob\"}|201|application/json");
    }

    @Test
    void stubStatusSequenceLetsCurlRetryUntil200() throws Exception {
        CliProcess.Result result = apptap("run", "--mode", "launch", "--offline",
                "--stub", "GET https://api.example.test/v1/flaky 503,503,200 ok",
                "--", "curl", "-sS", "--retry", "3", "--retry-delay", "1", "-w", "|%{http_code}",
                "https://api.example.test/v1/flaky");

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stdout()).isEqualTo("ok|200");
        assertThat(result.stderr()).contains("GET https://api.example.test/v1/flaky -> 503",
                "GET https://api.example.test/v1/flaky -> 200", "3 flows");
    }

    private CliProcess.Result apptap(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        // a fresh CA per test: nothing is written to ~/.apptap
        all.add(1, "--ca-dir");
        all.add(2, work.resolve("ca").toString());
        return CliProcess.run(work, all.toArray(new String[0]));
    }
}
