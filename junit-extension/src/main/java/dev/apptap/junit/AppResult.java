package dev.apptap.junit;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a program started through {@link Apps} ended.
 *
 * <pre>{@code
 * AppResult curl = apps.run("curl", "-sS", "https://api.example.test/v1/items");
 * assertThat(curl.exitCode()).as(curl.toString()).isZero();
 * }</pre>
 *
 * @param command  the command line as given
 * @param pid      the process id it ran as
 * @param exitCode its exit code
 * @param stdout   everything it wrote to standard output (UTF-8)
 * @param stderr   everything it wrote to standard error (UTF-8)
 * @param duration from start to exit
 */
public record AppResult(List<String> command, long pid, int exitCode, String stdout, String stderr,
                        Duration duration) {

    public AppResult {
        command = List.copyOf(command);
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
        Objects.requireNonNull(duration, "duration");
    }

    /** Whether it exited with 0. */
    public boolean succeeded() {
        return exitCode == 0;
    }

    /** For assertion descriptions: the command, its exit code and the last lines of its error output. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("`").append(String.join(" ", command)).append("` (pid ").append(pid)
                .append(") exited ").append(exitCode).append(" after ").append(duration.toMillis()).append(" ms");
        String err = stderr.strip();
        if (!err.isEmpty()) {
            List<String> lines = err.lines().toList();
            s.append("; stderr: ").append(String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size())));
        }
        return s.toString();
    }
}
