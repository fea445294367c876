package dev.apptap.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long {@code apptap watch} stays within a small heap: one curl makes {@value #DEFAULT_REQUESTS} keep-alive requests
 * (200,000 with {@code -Psoak}) to a loopback origin while {@code apptap watch} runs under {@code -Xmx32m}
 * ({@code -Xmx128m} with {@code -Psoak}), its flow window evicting what --json and --har already wrote. The heap after
 * each GC, from the watch JVM's own GC log, goes to {@code target/watch-memory.txt}.
 */
class WatchMemoryTest {

    static final int DEFAULT_REQUESTS = 20_000;

    /** A name no other process on the machine has: watch intercepts it machine-wide. */
    private static final String CLIENT = "apptap-watchmem";

    @TempDir
    Path work;

    private Origin origin;

    @BeforeEach
    void startOrigin() throws IOException {
        origin = new Origin();
    }

    @AfterEach
    void stopOrigin() throws IOException {
        origin.close();
    }

    /**
     * A keep-alive HTTP/1.1 origin on loopback that answers every GET with one write. (The JDK's HttpServer writes a
     * response's head and body apart, and the peer's delayed ACK then costs 40 ms per request: 20,000 requests would
     * take a quarter of an hour.)
     */
    private static final class Origin implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "watch-memory-origin");
            thread.setDaemon(true);
            return thread;
        });

        Origin() throws IOException {
            connections.execute(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            try {
                while (true) {
                    Socket socket = server.accept();
                    connections.execute(() -> answer(socket));
                }
            } catch (IOException closed) {
                // close() ended the listener
            }
        }

        private static void answer(Socket socket) {
            byte[] body = "a small answer for a long watch\n".repeat(8).getBytes(StandardCharsets.US_ASCII);
            byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] response = new byte[head.length + body.length];
            System.arraycopy(head, 0, response, 0, head.length);
            System.arraycopy(body, 0, response, head.length, body.length);
            try (socket; InputStream in = new BufferedInputStream(socket.getInputStream());
                 OutputStream out = socket.getOutputStream()) {
                socket.setTcpNoDelay(true);
                // GETs without bodies: each request ends at its empty line
                int matched = 0;
                for (int b = in.read(); b >= 0; b = in.read()) {
                    matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (b == '\r' ? 1 : 0);
                    if (matched == 4) {
                        out.write(response);
                        out.flush();
                        matched = 0;
                    }
                }
            } catch (IOException gone) {
                // the client hung up
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            connections.shutdownNow();
        }
    }

    @Test
    void watchCountsEveryRequestOfALongRunInASmallHeapWithoutRunningOutOfMemory() throws Exception {
        Optional<String> unavailable = RunCommandTest.osProxyUnavailable();
        assumeTrue(unavailable.isEmpty(), () -> "OSPROXY cannot run here: " + unavailable.orElse(""));
        int requests = Integer.getInteger("apptap.watch.requests", DEFAULT_REQUESTS);
        String heap = System.getProperty("apptap.watch.heap", "32m");
        // A HAR of 200,000 flows is half a gigabyte: the soak counts the JSON stream alone.
        boolean withHar = requests <= DEFAULT_REQUESTS;
        Path har = work.resolve("watch.har");
        Path stdout = work.resolve("stdout.jsonl");
        Path stderr = work.resolve("stderr.txt");
        Path gcLog = work.resolve("gc.log");
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx" + heap, "-XX:+UseSerialGC",
                "-Xlog:gc:file=" + gcLog, "-jar", CliProcess.JAR.toAbsolutePath().toString(), "watch",
                "--ca-dir", work.resolve("ca").toString(), "--json", "--quiet"));
        if (withHar) {
            command.addAll(List.of("--har", har.toString()));
        }
        command.add(CLIENT);
        Process watch = new ProcessBuilder(command).directory(work.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        try {
            awaitLine(stderr, "apptap: watching", watch, Duration.ofSeconds(60));
            Path client = Files.createSymbolicLink(work.resolve(CLIENT), Path.of(curl()));
            long started = System.nanoTime();
            Process curl = new ProcessBuilder(client.toString(), "-sS", "--fail",
                    "http://127.0.0.1:" + origin.port() + "/r/[1-" + requests + "]")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(work.resolve("curl.txt").toFile())
                    .start();
            assertThat(curl.waitFor(20, TimeUnit.MINUTES)).as("curl's %d requests ended", requests).isTrue();
            assertThat(curl.exitValue()).as("curl said: %s", Files.readString(work.resolve("curl.txt"))).isZero();
            awaitLines(stdout, requests, watch, Duration.ofSeconds(60));
            double seconds = (System.nanoTime() - started) / 1e9;
            // A full collection now shows what the watch holds after all those flows: garbage aside, the live set.
            Process gc = new ProcessBuilder(jcmd(), Long.toString(watch.pid()), "GC.run")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertThat(gc.waitFor(60, TimeUnit.SECONDS)).as("jcmd GC.run ended").isTrue();

            watch.destroy(); // SIGTERM, as Ctrl-C: the shutdown hook finishes the HAR and prints the summary
            assertThat(watch.waitFor(120, TimeUnit.SECONDS)).as("watch ended after SIGTERM").isTrue();

            String errors = Files.readString(stderr);
            assertThat(errors).doesNotContain("OutOfMemoryError");
            assertThat(errors).contains("apptap: " + requests + " flows: " + requests + " OK, 0 failed");
            assertThat(errors).contains("older flows left memory to stay within the newest 10,000 flows");
            long ok;
            try (Stream<String> lines = Files.lines(stdout)) {
                ok = lines.filter(l -> l.contains("\"status\":200") && l.contains(CLIENT)).count();
            }
            assertThat(ok).as("JSON lines of 200 responses to %s", CLIENT).isEqualTo(requests);
            if (withHar) {
                assertThat(harEntries(har)).as("HAR entries").isEqualTo(requests);
            }
            String log = Files.readString(gcLog);
            long peakAfterGc = afterGc(log, "");
            long live = afterGc(log, "Pause Full (Diagnostic Command)");
            long peakLive = afterGc(log, "Pause Full");
            assertThat(live).as("the heap after the full GC at the end; the GC log:%n%s", log).isPositive();
            String report = String.format(Locale.ROOT, "apptap watch, %d requests in %.0f s under -Xmx%s: live heap"
                    + " after a full GC at the end %d MiB, after any full GC at most %d MiB; heap after any GC at most"
                    + " %d MiB (garbage in the old generation included; %d GCs)%n", requests, seconds, heap,
                    live >> 20, peakLive >> 20, peakAfterGc >> 20, log.lines().count());
            Files.writeString(Path.of("target", "watch-memory.txt"), report);
            System.out.print(report);
        } finally {
            watch.destroyForcibly();
        }
    }

    /**
     * The largest "after" of the log's lines that contain {@code kind}, such as
     * {@code [gc] GC(7) Pause Young (Allocation Failure) 20M->5M(31M) 3.1ms}, in bytes; 0 when none.
     */
    static long afterGc(String log, String kind) {
        Matcher m = Pattern.compile("->(\\d+)([KMG])\\(").matcher(log.lines().filter(l -> l.contains(kind))
                .reduce("", (a, b) -> a + "\n" + b));
        long peak = 0;
        while (m.find()) {
            long value = Long.parseLong(m.group(1));
            int shift = switch (m.group(2)) {
                case "K" -> 10;
                case "M" -> 20;
                default -> 30;
            };
            peak = Math.max(peak, value << shift);
        }
        return peak;
    }

    /** Counts {@code log.entries} without reading the document into memory. */
    private static long harEntries(Path har) throws IOException {
        try (JsonParser parser = new JsonFactory().createParser(har.toFile())) {
            while (parser.nextToken() != null) {
                if (parser.currentToken() == JsonToken.FIELD_NAME && parser.getCurrentName().equals("entries")) {
                    parser.nextToken();
                    long count = 0;
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        parser.skipChildren();
                        count++;
                    }
                    return count;
                }
            }
        }
        return -1;
    }

    private static void awaitLine(Path file, String text, Process watch, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.readString(file).contains(text)) {
            assertThat(watch.isAlive()).as("apptap watch is running; it printed: %s", Files.readString(file)).isTrue();
            assertThat(System.nanoTime()).as("'%s' within %s", text, timeout).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Waits until {@code file} has {@code count} lines: the flows still being printed when curl ended. */
    private static void awaitLines(Path file, long count, Process watch, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long lines;
            try (Stream<String> stream = Files.lines(file)) {
                lines = stream.count();
            }
            if (lines >= count) {
                return;
            }
            assertThat(watch.isAlive()).as("apptap watch is running").isTrue();
            assertThat(System.nanoTime()).as("%d JSON lines within %s after curl ended (have %d)", count, timeout,
                    lines).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private static String curl() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "curl");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException("curl is missing; .ci/install-packages.sh installs it.");
    }

    private static String jcmd() {
        Path java = Path.of(java());
        return java.resolveSibling("jcmd").toString();
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
