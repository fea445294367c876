package dev.apptap.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.apptap.junit.AppResult;
import dev.apptap.junit.Apps;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What both test classes do: meet the other fork, run curl 20 times against a loopback server of their own, wait
 * for the other fork to finish too, then expect exactly their own 20 flows.
 */
final class CurlTwentyTimes {

    static final int RUNS = 20;
    private static final Duration MEETING = Duration.ofSeconds(120);

    private CurlTwentyTimes() {
    }

    static void run(String me, String other, Apps apps, Flows flows) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", exchange -> {
            byte[] body = ("hi from " + me + "'s server\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            meet(me + ".started", other + ".started");
            List<Long> pids = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                AppResult curl = apps.run("curl", "-sS", "--max-time", "20",
                        "http://127.0.0.1:" + server.getAddress().getPort() + "/" + me + "-" + i);
                assertThat(curl.exitCode()).as(curl.toString()).isZero();
                assertThat(curl.stdout()).isEqualTo("hi from " + me + "'s server\n");
                pids.add(curl.pid());
            }
            // The other fork's curls all ran inside this test's window, so any it lost to us would be here now.
            meet(me + ".done", other + ".done");

            Flows http = flows.filter("HTTP", HttpFlow.class::isInstance);
            http.awaitCount(RUNS, Duration.ofSeconds(30));
            List<HttpFlow> recorded = http.awaitAllComplete(Duration.ofSeconds(30)).stream()
                    .map(HttpFlow.class::cast).toList();
            assertThat(recorded).as("this fork's HTTP flows").hasSize(RUNS);
            assertThat(recorded).extracting(f -> f.request().path())
                    .allMatch(p -> p.startsWith("/" + me + "-"), "is one of " + me + "'s paths");
            assertThat(recorded).extracting(f -> f.process().pid()).containsExactlyInAnyOrderElementsOf(pids);
        } finally {
            server.stop(0);
        }
    }

    /** Leaves a note for the other fork and waits for its note: both forks are at this point together. */
    private static void meet(String mine, String theirs) throws IOException, InterruptedException {
        Path dir = Path.of(System.getProperty("rendezvous.dir", "target/rendezvous"));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(mine), Long.toString(ProcessHandle.current().pid()));
        Instant deadline = Instant.now().plus(MEETING);
        while (!Files.exists(dir.resolve(theirs))) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("The other Surefire fork did not reach '" + theirs + "' within " + MEETING
                        + "; Surefire must run the two test classes at the same time (forkCount=2).");
            }
            Thread.sleep(50);
        }
    }
}
