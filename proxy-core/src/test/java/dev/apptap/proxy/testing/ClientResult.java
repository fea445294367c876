package dev.apptap.proxy.testing;

import java.time.Duration;
import java.util.List;

/**
 * What a client program did.
 *
 * @param command  the command line as started
 * @param exitCode the exit status; after a timeout, whatever the killed process reported
 * @param stdout   standard output decoded as UTF-8 (cut at {@link Clients#MAX_CAPTURE} bytes)
 * @param stderr   standard error decoded as UTF-8 (cut likewise)
 * @param duration from start until it exited or was killed
 * @param timedOut true when it was killed for running past its timeout
 */
public record ClientResult(List<String> command, int exitCode, String stdout, String stderr, Duration duration, boolean timedOut) {

    public ClientResult {
        command = List.copyOf(command);
    }

    public boolean succeeded() {
        return exitCode == 0 && !timedOut;
    }

    /** Returns this when the program exited with 0, else fails with everything it printed. */
    public ClientResult requireSuccess() {
        if (!succeeded()) {
            throw new AssertionError(describe());
        }
        return this;
    }

    /** A multi-line account for failure messages. */
    public String describe() {
        String outcome = timedOut
                ? "was killed after running for " + duration.toMillis() + " ms, past its timeout"
                : "exited with " + exitCode + " after " + duration.toMillis() + " ms";
        return String.join(" ", command) + "\n" + outcome + ".\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
    }

    @Override
    public String toString() {
        return describe();
    }
}
