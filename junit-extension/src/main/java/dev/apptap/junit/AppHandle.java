package dev.apptap.junit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A program started through {@link Apps#start}, still running or not. It is ended with its descendants when the
 * test ends, whatever the test does.
 *
 * <pre>{@code
 * AppHandle server = apps.start("python3", "-m", "http.server", "0");
 * ...
 * AppResult result = server.stop();
 * }</pre>
 */
public final class AppHandle {

    private final List<String> command;
    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final long startedNanos;

    AppHandle(List<String> command, Process process, Path stdout, Path stderr, long startedNanos) {
        this.command = List.copyOf(command);
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.startedNanos = startedNanos;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public List<String> command() {
        return command;
    }

    /** What it wrote to standard output so far. */
    public String output() {
        return read(stdout);
    }

    /** What it wrote to standard error so far. */
    public String errorOutput() {
        return read(stderr);
    }

    /**
     * Waits for it to exit.
     *
     * @throws AssertionError when it is still running after {@code timeout}; it is then ended with its descendants
     */
    public AppResult waitFor(Duration timeout) {
        try {
            if (!process.waitFor(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)) {
                kill();
                throw new AssertionError("`" + String.join(" ", command) + "` (pid " + pid()
                        + ") did not exit within " + timeout.toMillis() + " ms, so apptap ended it."
                        + describeOutput());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new AssertionError("The test thread was interrupted while waiting for `" + String.join(" ", command)
                    + "`; apptap ended it.", e);
        }
        return result();
    }

    /** Asks it (and its descendants) to stop, ends them after five seconds if they have not, and returns the result. */
    public AppResult stop() {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        descendants.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                kill();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        return result();
    }

    /** Ends it and every descendant at once; what the extension does at the end of each test. */
    void kill() {
        // Descendants first, while they are still linked to the process and can be found.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private AppResult result() {
        Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
        return new AppResult(command, pid(), process.exitValue(), output(), errorOutput(), took);
    }

    private String describeOutput() {
        String out = output().strip();
        String err = errorOutput().strip();
        return (out.isEmpty() ? "" : "\nstdout so far:\n" + tail(out)) + (err.isEmpty() ? "" : "\nstderr so far:\n" + tail(err));
    }

    private static String tail(String text) {
        return text.length() > 2000 ? "…" + text.substring(text.length() - 2000) : text;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("apptap could not read the output file " + file + ": " + e.getMessage(), e);
        }
    }
}
