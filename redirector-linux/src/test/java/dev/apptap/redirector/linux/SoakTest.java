package dev.apptap.redirector.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowListener;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.TcpFlow;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.Redirector;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded soak through OSPROXY: real client processes (python3, curl, h2load) make mixed traffic, HTTP/1.1
 * keep-alive and close, h2 multiplexed, WebSocket, SSE, big downloads and uploads, bursts of 1,000 concurrent
 * connections, and apps that exit mid-request, all redirected by the eBPF redirector into this JVM's engine and
 * relayed to an origin in its own process (node), so this JVM's fds, threads and heap are the engine's.
 *
 * <p>Every 10 s it samples the engine's open fds, threads and heap after a GC, and compares the flows recorded
 * with the requests the clients say they made. It passes when every request made has exactly one HTTP flow, every
 * flow belongs to a client the soak started (their pids are known: each is started by a launcher process whose
 * descendants are the intercept spec), and nothing grows without bound: after the load the fds and threads are back
 * within a few of where they started, and (with six samples or more) the last third's median fds and heap after GC
 * are within 1.5 times (plus a small constant) of the first third's.
 *
 * <p>Runs {@value #DEFAULT_DURATION} by default (in CI); {@code -Psoak} runs ten minutes, and the system property
 * {@code apptap.soak.duration} ({@code 90s}, {@code 10m}) sets any length.
 */
class SoakTest {

    static final String DEFAULT_DURATION = "45s";
    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(10);
    private static final Pattern RESULT = Pattern.compile("RESULT kind=(\\S+) made=(\\d+) (ok|status)=(\\d+)");
    private static final Pattern H2LOAD = Pattern.compile("requests: \\d+ total, (\\d+) started, \\d+ done, (\\d+) succeeded");

    @TempDir
    Path dir;

    @Test
    void mixedLoadThroughOsproxyRecordsEveryRequestOnceAndNothingGrowsWithoutBound() throws Exception {
        RootOnly.assumeRoot();
        for (String program : List.of("node", "curl", "h2load", "/usr/bin/python3", "bash")) {
            assumeTrue(program.startsWith("/") ? Files.isExecutable(Path.of(program)) : onPath(program),
                    program + " is missing; .ci/install-packages.sh installs what the soak runs.");
        }
        Duration duration = parse(System.getProperty("apptap.soak.duration", DEFAULT_DURATION));
        Path scripts = copyScripts();
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path upload = dir.resolve("upload.bin");
        try (var out = Files.newOutputStream(upload)) {
            out.write(new byte[3 << 20]);
        }

        Recorded completed = new Recorded();
        try (Harness h = new Harness(dir, b -> b.flows(new FlowStore(5_000)).bodyLimit(64 * 1024));
             Origin origin = Origin.start(scripts.resolve("origin.js"));
             Launcher launcher = Launcher.start(h, logs)) {
            FlowStore.Registration counting = h.engine.flows().addListener(completed);
            try (Redirector redirector = new LinuxRedirectorProvider().start(h.target())) {
                redirector.intercept(InterceptSpec.parse(Long.toString(launcher.pid())));
                List<Sample> samples = new ArrayList<>();
                Sample idleBefore = Sample.take(0, 0, completed, launcher);
                long start = System.nanoTime();
                long until = System.currentTimeMillis() / 1000 + duration.toSeconds();
                String py = "exec /usr/bin/python3 " + scripts.resolve("clients.py") + " ";
                for (int i = 0; i < 3; i++) {
                    launcher.launch(py + "keepalive " + origin.http1 + " " + until);
                }
                for (int i = 0; i < 2; i++) {
                    launcher.launch(py + "close " + origin.http1 + " " + until);
                    launcher.launch(py + "sse " + origin.http1 + " " + until);
                    launcher.launch(py + "websocket " + origin.http1 + " " + until);
                }
                String base = "http://127.0.0.1:" + origin.http1;
                int tick = 0;
                boolean burstDone = false;
                while (System.nanoTime() - start < duration.toNanos()) {
                    launcher.launch("exec curl -sS -o /dev/null -w 'RESULT kind=download made=1 status=%{http_code}\\n' '"
                            + base + "/big?n=5000000'");
                    launcher.launch("exec curl -sS -o /dev/null --data-binary @" + upload
                            + " -w 'RESULT kind=upload made=1 status=%{http_code}\\n' " + base + "/upload");
                    launcher.launch("exec h2load -n 300 -c 2 -m 10 http://127.0.0.1:" + origin.h2c + "/");
                    launcher.launch(py + "exit-mid-request " + origin.http1);
                    launcher.launch(py + "exit-mid-request " + origin.http1);
                    long elapsed = System.nanoTime() - start;
                    // a burst of 1,000 connections a third of the way in, and again at two thirds in a long soak
                    if ((!burstDone && elapsed > duration.toNanos() / 3)
                            || (duration.toMinutes() >= 3 && tick == (int) (duration.toSeconds() * 2 / 3 / SAMPLE_EVERY.toSeconds()))) {
                        launcher.launch(py + "burst " + origin.http1 + " 1000");
                        burstDone = true;
                    }
                    Thread.sleep(SAMPLE_EVERY.toMillis());
                    tick++;
                    samples.add(Sample.take(tick * SAMPLE_EVERY.toSeconds(), launcher.count(), completed, launcher));
                    System.out.println(samples.get(samples.size() - 1).row());
                }

                launcher.awaitAllExited(Duration.ofSeconds(120));
                Tally tally = launcher.tally();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (recordedHttp(completed, launcher) < tally.made() && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                // Let the engine close what the clients closed, and its blocking pool (grown by the burst) retire the
                // threads idle for its 10 s, before counting fds and threads again: bounded growth settles, a leak not.
                Sample idleAfter;
                long settled = System.nanoTime() + Duration.ofSeconds(45).toNanos();
                do {
                    Thread.sleep(5_000);
                    idleAfter = Sample.take(-1, launcher.count(), completed, launcher);
                } while ((idleAfter.threads > idleBefore.threads + 8 || idleAfter.fds > idleBefore.fds + 32)
                        && System.nanoTime() < settled);

                String report = report(duration, idleBefore, samples, idleAfter, tally, completed, launcher);
                System.out.println(report);
                Files.writeString(Path.of("target", "soak-report.txt"), report);

                assertThat(tally.failures()).as("requests the clients saw fail (apart from apps that exit mid-request)\n%s",
                        report).isZero();
                assertThat(misattributed(completed, launcher)).as("flows given to processes the soak did not start\n%s",
                        report).isEmpty();
                // The redirector records who connected at connect(), so even an app gone before the engine looks keeps
                // its pid and name: no flow may be without its process.
                assertThat(unnamed(completed)).as("flows without a process (an app that exits mid-request included)\n%s",
                        report).isEmpty();
                assertThat(recordedHttp(completed, launcher) + recordedTcp(completed, launcher) + unnamed(completed).size())
                        .as("flows recorded == requests made: none lost, none twice\n%s", report).isEqualTo(tally.made());
                // Every client speaks HTTP, however late its first bytes reach the sniffer (a 1,000-connection burst on a
                // busy machine speaks seconds after connecting): none may be recorded as opaque TCP.
                assertThat(tcpKinds(completed, launcher)).as("HTTP connections recorded as TCP, by client kind\n%s", report)
                        .isEmpty();
                assertThat(idleAfter.fds).as("open fds after the load, against before it\n%s", report)
                        .isLessThanOrEqualTo(idleBefore.fds + 32);
                assertThat(idleAfter.threads).as("threads after the load, against before it\n%s", report)
                        .isLessThanOrEqualTo(idleBefore.threads + 8);
                if (samples.size() >= 6) {
                    List<Sample> first = samples.subList(0, samples.size() / 3);
                    List<Sample> last = samples.subList(samples.size() - samples.size() / 3, samples.size());
                    assertThat(median(last, s -> s.fds)).as("median fds, last third against first\n%s", report)
                            .isLessThanOrEqualTo(median(first, s -> s.fds) * 3 / 2 + 64);
                    assertThat(median(last, s -> s.heapMb)).as("median heap after GC (MB), last third against first\n%s",
                            report).isLessThanOrEqualTo(median(first, s -> s.heapMb) * 3 / 2 + 32);
                }
            } finally {
                counting.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------- what is counted

    private static long recordedHttp(Recorded completed, Launcher launcher) {
        return completed.count(Recorded.HTTP, launcher);
    }

    private static long recordedTcp(Recorded completed, Launcher launcher) {
        return completed.count(Recorded.TCP, launcher);
    }

    /** Flows named after a process the soak did not start: another process's traffic, or a wrong name. */
    private static List<String> misattributed(Recorded completed, Launcher launcher) {
        return completed.misattributed(launcher);
    }

    /** Flows of a process that was gone before the engine could look it up. */
    private static List<String> unnamed(Recorded completed) {
        return completed.unnamed;
    }

    private static Map<String, Long> tcpKinds(Recorded completed, Launcher launcher) {
        return completed.tcpKinds(launcher);
    }

    /**
     * Counts of complete flows by pid and type. It keeps no flow: holding 150,000 snapshots would be the soak's own
     * heap growth, not the engine's.
     */
    static final class Recorded implements FlowListener {
        static final int HTTP = 0;
        static final int TCP = 1;
        static final int OTHER = 2;

        /** Ids already counted: a flow may publish a complete snapshot more than once (a WebSocket's messages). */
        private final BitSet counted = new BitSet();
        private final Map<Long, AtomicLongArray> byPid = new ConcurrentHashMap<>();
        private final Map<Long, String> names = new ConcurrentHashMap<>();
        final Map<String, Long> httpErrors = new ConcurrentHashMap<>();
        final List<String> unnamed = new CopyOnWriteArrayList<>();

        @Override
        public synchronized void onFlow(Flow flow) {
            if (!flow.isComplete() || counted.get((int) flow.id())) {
                return;
            }
            counted.set((int) flow.id());
            if (!flow.process().isKnown()) {
                unnamed.add(flow.summary());
                return;
            }
            long pid = flow.process().pid();
            names.putIfAbsent(pid, flow.process().describe());
            int type = flow instanceof HttpFlow ? HTTP : flow instanceof TcpFlow ? TCP : OTHER;
            byPid.computeIfAbsent(pid, p -> new AtomicLongArray(3)).incrementAndGet(type);
            if (flow instanceof HttpFlow http) {
                httpErrors.merge(http.error().map(e -> e.kind().name()).orElse("none"), 1L, Long::sum);
            }
        }

        long count(int type, Launcher launcher) {
            return byPid.entrySet().stream().filter(e -> launcher.started(e.getKey()))
                    .mapToLong(e -> e.getValue().get(type)).sum();
        }

        long all(int type) {
            return byPid.values().stream().mapToLong(c -> c.get(type)).sum();
        }

        List<String> misattributed(Launcher launcher) {
            return byPid.entrySet().stream().filter(e -> !launcher.started(e.getKey()))
                    .map(e -> names.get(e.getKey()) + ": " + (e.getValue().get(HTTP) + e.getValue().get(TCP)
                            + e.getValue().get(OTHER)) + " flows").limit(20).toList();
        }

        Map<String, Long> tcpKinds(Launcher launcher) {
            Map<String, Long> byKind = new TreeMap<>();
            byPid.forEach((pid, counts) -> {
                if (launcher.started(pid) && counts.get(TCP) > 0) {
                    byKind.merge(launcher.kindOf(pid), counts.get(TCP), Long::sum);
                }
            });
            return byKind;
        }
    }

    /** One row of the table. */
    record Sample(long second, int clients, long fds, int threads, long heapMb, long made, long recorded, long tcp) {

        static Sample take(long second, int clients, Recorded completed, Launcher launcher) {
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
            long fds;
            try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
                fds = open.count();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int threads = ManagementFactory.getThreadMXBean().getThreadCount();
            long tcp = completed.all(Recorded.TCP);
            return new Sample(second, clients, fds, threads, heap, launcher.tally().made(), recordedHttp(completed, launcher), tcp);
        }

        static String header() {
            return String.format("%8s %8s %6s %8s %9s %9s %9s %6s", "time", "clients", "fds", "threads", "heap MB",
                    "made", "recorded", "tcp");
        }

        String row() {
            return String.format("%8s %8d %6d %8d %9d %9d %9d %6d", second < 0 ? "idle" : second + " s", clients, fds,
                    threads, heapMb, made, recorded, tcp);
        }
    }

    private static String report(Duration duration, Sample before, List<Sample> samples, Sample after, Tally tally,
                                 Recorded completed, Launcher launcher) {
        StringBuilder text = new StringBuilder("apptap soak, " + duration.toSeconds() + " s through OSPROXY\n");
        text.append(Sample.header()).append('\n').append(before.row().replaceFirst("^ *0 s", "  before")).append('\n');
        samples.forEach(s -> text.append(s.row()).append('\n'));
        text.append(after.row().replaceFirst("^ *idle", "   after")).append('\n');
        text.append(String.format("%n%-18s %9s %9s%n", "client kind", "made", "ok"));
        tally.byKind.forEach((kind, counts) -> text.append(String.format("%-18s %9d %9d%n", kind, counts[0], counts[1])));
        text.append(String.format("%-18s %9d %9d%n", "total", tally.made(), tally.ok()));
        long http = recordedHttp(completed, launcher);
        Map<String, Long> errors = new TreeMap<>(completed.httpErrors);
        text.append("\nHTTP flows recorded for the soak's clients: ").append(http).append(" (errors by kind: ").append(errors)
                .append("); TCP flows: ").append(completed.all(Recorded.TCP))
                .append("; flows given to other processes: ").append(misattributed(completed, launcher).size())
                .append("; flows of processes gone before they were named: ").append(unnamed(completed).size())
                .append("; client processes: ").append(launcher.count()).append('\n');
        misattributed(completed, launcher).forEach(f -> text.append("  not the soak's: ").append(f).append('\n'));
        unnamed(completed).forEach(f -> text.append("  unnamed: ").append(f).append('\n'));
        Map<String, Long> tcp = tcpKinds(completed, launcher);
        if (!tcp.isEmpty()) {
            text.append("TCP flows by client kind (HTTP whose first bytes reached the sniffer after 500 ms): ").append(tcp)
                    .append('\n');
        }
        return text.toString();
    }

    private static long median(List<Sample> samples, ToLongFunction<Sample> value) {
        long[] sorted = samples.stream().mapToLong(value).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    /** What the clients say they did, from the last RESULT (or h2load summary) line of each one's log. */
    record Tally(Map<String, long[]> byKind) {
        long made() {
            return byKind.values().stream().mapToLong(c -> c[0]).sum();
        }

        long ok() {
            return byKind.values().stream().mapToLong(c -> c[1]).sum();
        }

        /** Requests made but not answered in full, except by apps that exit before their answer on purpose. */
        long failures() {
            return byKind.entrySet().stream().filter(e -> !e.getKey().equals("exit-mid-request"))
                    .mapToLong(e -> e.getValue()[0] - e.getValue()[1]).sum();
        }
    }

    // ------------------------------------------------------------------------------------------------ processes

    /**
     * A bash process that starts each command line it is sent in the background and prints its pid. The intercept
     * spec is its pid, so exactly its descendants are intercepted, and their pids are known.
     */
    static final class Launcher implements AutoCloseable {
        private final Process bash;
        private final Writer commands;
        private final BufferedReader pids;
        private final Path logs;
        private final Map<Long, Path> started = new ConcurrentHashMap<>();

        private Launcher(Process bash, Path logs) {
            this.bash = bash;
            this.commands = new OutputStreamWriter(bash.getOutputStream(), StandardCharsets.UTF_8);
            this.pids = new BufferedReader(new InputStreamReader(bash.getInputStream(), StandardCharsets.UTF_8));
            this.logs = logs;
        }

        static Launcher start(Harness h, Path logs) throws IOException {
            Process bash = h.start(List.of("bash", "-c",
                    "while IFS= read -r line; do eval \"$line\" & echo \"PID $!\"; done"));
            return new Launcher(bash, logs);
        }

        long pid() {
            return bash.pid();
        }

        void launch(String command) throws IOException {
            Path log = logs.resolve(started.size() + ".log");
            commands.write(command + " > " + log + " 2>&1\n");
            commands.flush();
            String line = pids.readLine();
            if (line == null || !line.startsWith("PID ")) {
                throw new IOException("The soak's launcher answered '" + line + "' instead of a pid.");
            }
            started.put(Long.parseLong(line.substring(4)), log);
        }

        /** The client kind a pid's log names, for the report. */
        String kindOf(long pid) {
            Path log = started.get(pid);
            try {
                Matcher result = log == null ? null : RESULT.matcher(Files.readString(log, StandardCharsets.UTF_8));
                return result != null && result.find() ? result.group(1) : log == null ? "unknown" : "h2load";
            } catch (IOException e) {
                return "unknown";
            }
        }

        boolean started(long pid) {
            return started.containsKey(pid);
        }

        int count() {
            return started.size();
        }

        void awaitAllExited(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            for (long pid : started.keySet()) {
                while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
            }
        }

        Tally tally() {
            Map<String, long[]> byKind = new LinkedHashMap<>();
            for (Path log : started.values()) {
                String text;
                try {
                    text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
                } catch (IOException e) {
                    continue;
                }
                Matcher result = RESULT.matcher(text);
                String kind = null;
                long made = 0;
                long ok = 0;
                while (result.find()) {
                    kind = result.group(1);
                    made = Long.parseLong(result.group(2));
                    long value = Long.parseLong(result.group(4));
                    ok = result.group(3).equals("ok") ? value : value == 200 ? 1 : 0;
                }
                Matcher h2 = H2LOAD.matcher(text);
                if (h2.find()) {
                    kind = "h2load";
                    made = Long.parseLong(h2.group(1));
                    ok = Long.parseLong(h2.group(2));
                }
                if (kind != null) {
                    long[] counts = byKind.computeIfAbsent(kind, k -> new long[2]);
                    counts[0] += made;
                    counts[1] += ok;
                }
            }
            return new Tally(new TreeMap<>(byKind));
        }

        @Override
        public void close() throws IOException {
            for (long pid : started.keySet()) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            bash.destroyForcibly();
        }
    }

    /** The node origin: not a descendant of the launcher, so not intercepted. */
    static final class Origin implements AutoCloseable {
        final Process process;
        final int http1;
        final int h2c;

        private Origin(Process process, int http1, int h2c) {
            this.process = process;
            this.http1 = http1;
            this.h2c = h2c;
        }

        static Origin start(Path script) throws Exception {
            Process node = new ProcessBuilder("node", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String ports = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (ports == null || !ports.startsWith("PORTS ")) {
                node.destroyForcibly();
                throw new IOException("The soak's node origin did not start; it printed '" + ports + "'.");
            }
            String[] parts = ports.split(" ");
            return new Origin(node, Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ utilities

    private Path copyScripts() throws IOException {
        Path scripts = Files.createDirectories(dir.resolve("scripts"));
        for (String name : List.of("origin.js", "clients.py")) {
            try (InputStream in = Objects.requireNonNull(SoakTest.class.getResourceAsStream("/soak/" + name), name)) {
                Files.copy(in, scripts.resolve(name));
            }
        }
        return scripts;
    }

    private static boolean onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, program)));
    }

    /** {@code 45s}, {@code 10m}, {@code 1h}, or an ISO-8601 duration. */
    static Duration parse(String text) {
        Matcher m = Pattern.compile("(\\d+)\\s*([smh])").matcher(text.trim());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
        return Duration.parse(text.trim());
    }
}
