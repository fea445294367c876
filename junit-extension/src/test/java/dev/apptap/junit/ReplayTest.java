package dev.apptap.junit;

import static dev.apptap.assertions.ApptapAssertions.get;
import static dev.apptap.assertions.ApptapAssertions.post;
import static dev.apptap.junit.Stubs.respond;
import static dev.apptap.junit.Stubs.respondInSequence;
import static dev.apptap.junit.Stubs.respondJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/**
 * Record → replay as a user writes it: one test class records with {@code harFile}, the server goes away, and a
 * second class replays the file with {@code replay}; plus answers computed per request and sequences.
 */
class ReplayTest {

    /** Relative, as a user writes it: Maven runs tests in the module's directory. */
    static final String HAR = "target/replay-test/users.har";

    /** The recorded server's port, for the scenario classes. */
    static volatile int port;

    static String url(String path) {
        return "http://" + LocalOrigin.HOST + ":" + port + path;
    }

    @Test
    void recordsWithHarFileThenReplaysWithTheServerStopped() throws Exception {
        Files.deleteIfExists(Path.of(HAR));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ReplayTest::answer);
        server.start();
        port = server.getAddress().getPort();
        EngineExecutionResults recorded;
        try {
            recorded = new Kit().run(Recording.class);
        } finally {
            server.stop(0);
        }
        assertThat(recorded.testEvents().failed().count()).as(Kit.failures(recorded)).isZero();
        assertThat(Kit.entries(recorded, "apptap.harFile")).hasSize(2)
                .allSatisfy(entry -> assertThat(entry).isEqualTo(Path.of(HAR).toAbsolutePath().toString()));

        EngineExecutionResults replayed = new Kit().run(Replaying.class);

        assertThat(replayed.testEvents().failed().count()).as(Kit.failures(replayed)).isZero();
        replayed.testEvents().assertStatistics(s -> s.succeeded(2));
    }

    @Test
    void stubsAnswerFromTheRequestAndInSequence() throws Exception {
        EngineExecutionResults results = new Kit().run(Answers.class);

        assertThat(results.testEvents().failed().count()).as(Kit.failures(results)).isZero();
        results.testEvents().assertStatistics(s -> s.succeeded(2));
    }

    private static void answer(HttpExchange exchange) throws IOException {
        byte[] request = exchange.getRequestBody().readAllBytes();
        String path = exchange.getRequestURI().getPath();
        byte[] body = exchange.getRequestMethod().equals("POST")
                ? ("{\"created\":" + new String(request, StandardCharsets.UTF_8) + "}").getBytes(StandardCharsets.UTF_8)
                : ("{\"id\":\"" + path.substring(path.lastIndexOf('/') + 1) + "\",\"from\":\"server\"}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(exchange.getRequestMethod().equals("POST") ? 201 : 200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @InterceptApps(mode = InterceptMode.LAUNCH, harFile = HAR)
    static class Recording {

        @Test
        void curlReadsAUser(Apps apps) {
            AppResult curl = apps.run("curl", "-sS", url("/users/1"));

            assertThat(curl.stdout()).as(curl.toString()).isEqualTo("{\"id\":\"1\",\"from\":\"server\"}");
        }

        @Test
        void python3CreatesAUser(Apps apps) {
            AppResult python = apps.run("python3", "-c", "import sys, urllib.request; print(urllib.request.urlopen("
                    + "urllib.request.Request(sys.argv[1], data=b'{\"name\": \"ann\"}')).read().decode())",
                    url("/users"));

            assertThat(python.stdout().strip()).as(python.toString()).isEqualTo("{\"created\":{\"name\": \"ann\"}}");
        }
    }

    @InterceptApps(mode = InterceptMode.LAUNCH, replay = HAR)
    static class Replaying {

        @Test
        void curlAndPython3GetTheRecordedAnswers(Apps apps, Flows flows) {
            AppResult curl = apps.run("curl", "-sS", url("/users/1"));
            AppResult python = apps.run("python3", "-c", "import sys, urllib.request; print(urllib.request.urlopen("
                    + "urllib.request.Request(sys.argv[1], data=b'{\"name\":\"ann\"}')).read().decode())",
                    url("/users"));

            assertThat(curl.stdout()).as(curl.toString()).isEqualTo("{\"id\":\"1\",\"from\":\"server\"}");
            assertThat(python.stdout().strip()).as(python.toString()).isEqualTo("{\"created\":{\"name\": \"ann\"}}");
            assertThat(flows.httpFlows()).hasSize(2).allSatisfy(flow -> assertThat(flow.isStubbed()).isTrue());
        }

        @Test
        void anUnrecordedRequestGets502NamingTheClosestRecordedOne(Apps apps, Flows flows) {
            AppResult curl = apps.run("curl", "-sS", "-w", "|%{http_code}", url("/users/2"));

            assertThat(curl.stdout()).as(curl.toString()).contains("recorded no request like GET " + url("/users/2"),
                    "GET " + url("/users/1"), "path: expected /users/1 but was /users/2").endsWith("|502");
            HttpFlow flow = Scenarios.single(flows);
            assertThat(flow.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.NO_STUB_MATCHED);
        }
    }

    @InterceptApps(mode = InterceptMode.LAUNCH, offline = true)
    static class Answers {

        @Test
        void aStubComputesItsAnswerFromTheJsonBody(Apps apps, Stubs stubs) {
            stubs.on(post("https://api.example.test/v1/users")).respond(request -> respondJson(201,
                    Map.of("name", request.jsonAt("/name").orElse("?"), "team", request.queryParam("team").orElse(""))));

            AppResult curl = apps.run("curl", "-sS", "-H", "Content-Type: application/json", "-d", "{\"name\":\"bob\"}",
                    "https://api.example.test/v1/users?team=blue");

            assertThat(curl.stdout()).as(curl.toString()).contains("\"name\":\"bob\"", "\"team\":\"blue\"");
        }

        @Test
        void curlRetriesUntilTheSequenceAnswers200(Apps apps, Stubs stubs, Flows flows) {
            stubs.on(get("https://api.example.test/v1/flaky"))
                    .respond(respondInSequence(respond(503), respond(503), respond(200).withBody("ok")));

            AppResult curl = apps.run("curl", "-sS", "--retry", "3", "--retry-delay", "1", "-w", "|%{http_code}",
                    "https://api.example.test/v1/flaky");

            assertThat(curl.stdout()).as(curl.toString()).isEqualTo("ok|200");
            assertThat(flows.httpFlows()).extracting(HttpFlow::status).containsExactly(503, 503, 200);
        }
    }
}
