package dev.apptap.junit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Runs programs so that apptap intercepts them: their environment is the test JVM's, without inherited proxy
 * variables, plus the variables that make them trust apptap's CA and, in LAUNCH mode, use apptap's proxy. Every
 * process a test started, and each of its descendants, is ended when the test ends.
 *
 * <pre>{@code
 * @Test
 * void fetches(Apps apps, Flows flows) {
 *     AppResult curl = apps.run("curl", "-sS", "https://api.example.test/v1/items");
 *     assertThat(curl.exitCode()).as(curl.toString()).isZero();
 *     AppHandle slow = apps.start("python3", "poller.py");
 *     ...
 * }
 * }</pre>
 */
public final class Apps {

    private final Map<String, String> environment;
    private final Duration defaultTimeout;
    private final ProcessTracker tracker;
    private final List<AppHandle> started = new ArrayList<>();
    /**
     * Where the apps' output goes, made when the first app starts: most tests start none, and a directory made and
     * removed per test cost milliseconds on a busy disk, more than the rest of a test's set-up.
     */
    private Path outputDirectory;

    Apps(Map<String, String> environment, Duration defaultTimeout, ProcessTracker tracker) {
        this.environment = Map.copyOf(environment);
        this.defaultTimeout = defaultTimeout;
        this.tracker = tracker;
    }

    /**
     * Runs {@code command} to its end, waiting at most {@code apptap.timeout} (60 s unless configured).
     *
     * @throws AssertionError when it runs longer; it is then ended with its descendants
     */
    public AppResult run(String... command) {
        return run(defaultTimeout, command);
    }

    /** Runs {@code command} to its end, waiting at most {@code timeout}. */
    public AppResult run(Duration timeout, String... command) {
        Objects.requireNonNull(timeout, "timeout");
        return start(command).waitFor(timeout);
    }

    /** Starts {@code command} and returns at once; standard input is empty, output is collected. */
    public AppHandle start(String... command) {
        List<String> line = List.of(command);
        if (line.isEmpty()) {
            throw new IllegalArgumentException("Apps.start needs a command, such as apps.start(\"curl\", \"-sS\", url).");
        }
        Path outputDirectory = outputDirectory();
        try {
            String stem = Path.of(line.get(0)).getFileName() + "-" + System.nanoTime();
            Path out = outputDirectory.resolve(stem + ".out");
            Path err = outputDirectory.resolve(stem + ".err");
            ProcessBuilder builder = new ProcessBuilder(line).redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().clear();
            builder.environment().putAll(environment);
            long startedAt = System.nanoTime();
            Process process;
            synchronized (started) {
                process = builder.start();
                AppHandle handle = new AppHandle(line, process, out, err, startedAt);
                started.add(handle);
                tracker.track(process.toHandle());
                // Closed at once, so programs that read standard input see its end instead of waiting for a test
                // that never types.
                process.getOutputStream().close();
                return handle;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("apptap could not start `" + String.join(" ", line) + "`: "
                    + e.getMessage() + ". Check that the program is installed and on the PATH.", e);
        }
    }

    /**
     * Counts a process the test started itself (say with a {@link ProcessBuilder} and
     * {@link InterceptRuntime#environment()}) as its own, so that its flows are in the test's {@code Flows} in
     * LAUNCH mode. Like the test's other processes, it and its descendants are ended when the test ends.
     */
    public void track(ProcessHandle process) {
        tracker.track(process);
    }

    /** The environment programs are started with. */
    public Map<String, String> environment() {
        return environment;
    }

    /** Ends every process this test started and their descendants, and deletes their output files. */
    void endAll() {
        List<AppHandle> all;
        synchronized (started) {
            all = List.copyOf(started);
        }
        for (AppHandle handle : all) {
            handle.kill();
        }
        // Orphans of an exited process are no longer its descendants; the tracker remembers them.
        for (ProcessHandle process : tracker.everyProcess()) {
            if (process.isAlive() && process.pid() != ProcessHandle.current().pid()) {
                process.destroyForcibly();
            }
        }
        Path directory;
        synchronized (started) {
            directory = outputDirectory;
        }
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // Only temporary output files: the operating system cleans its temporary directory.
            }
        }
    }

    private Path outputDirectory() {
        synchronized (started) {
            if (outputDirectory == null) {
                try {
                    outputDirectory = Files.createTempDirectory("apptap-apps-");
                } catch (IOException e) {
                    throw new UncheckedIOException("apptap could not create a directory for apps' output: "
                            + e.getMessage() + ". Make the temporary directory (java.io.tmpdir) writable.", e);
                }
            }
            return outputDirectory;
        }
    }
}
