package dev.apptap.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * How the command's stdout and stderr reach the user, so that apptap's own lines (stderr) start on a line of their
 * own even when the command's output did not end with a newline ({@code printf hi}).
 *
 * <p>Where stderr is a file or a pipe, the command's streams that go to the same place as apptap's stderr pass
 * through apptap (one pipe when both do, which keeps their order), and {@link Terminal} knows whether the last byte
 * written there was a newline. Everywhere else the command keeps the user's streams as they are, so a terminal stays
 * a terminal for it (colours, progress bars); there apptap moves to a fresh line with a row of spaces before its
 * summary, which wraps only when the cursor was not at the start of a line.
 */
final class ChildOutput {

    /** A daemon the command started may hold the pipe open; its output after this is still copied, just later. */
    private static final long DRAIN_MILLIS = 1000;

    private final boolean pipeOut;
    private final boolean pipeErr;
    private final boolean terminal;
    private final List<Thread> pumps = new ArrayList<>();

    private ChildOutput(boolean pipeOut, boolean pipeErr, boolean terminal) {
        this.pipeOut = pipeOut;
        this.pipeErr = pipeErr;
        this.terminal = terminal;
    }

    /** Decides from where this process's stdout and stderr point ({@code /proc/self/fd}, Linux); else inherits. */
    static ChildOutput decide() {
        Optional<String> out = destination(1);
        Optional<String> err = destination(2);
        if (err.isEmpty() || err.get().equals("/dev/null")) {
            return new ChildOutput(false, false, false);
        }
        if (err.get().startsWith("/dev/pts/") || err.get().startsWith("/dev/tty")) {
            return new ChildOutput(false, false, true);
        }
        return new ChildOutput(out.equals(err), true, false);
    }

    private static Optional<String> destination(int fd) {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** Sets the builder's streams: inherited, except those that pass through apptap. */
    void configure(ProcessBuilder builder) {
        builder.inheritIO();
        if (pipeErr) {
            builder.redirectError(ProcessBuilder.Redirect.PIPE);
        }
        if (pipeOut) {
            builder.redirectOutput(ProcessBuilder.Redirect.PIPE).redirectErrorStream(true);
        }
    }

    /** Starts copying the started command's piped streams to the user's, through {@code terminal}. */
    void pump(Process process, Terminal to) {
        to.tracksLineStart(pipeErr, pipeOut);
        if (pipeOut) {
            pumps.add(start(process.getInputStream(), to, true));
        } else if (pipeErr) {
            pumps.add(start(process.getErrorStream(), to, false));
        }
    }

    private static Thread start(InputStream from, Terminal to, boolean stdout) {
        Thread pump = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (from) {
                for (int n; (n = from.read(buffer)) >= 0; ) {
                    to.passThrough(buffer, n, stdout);
                }
            } catch (IOException e) {
                // the command's end closed the pipe; nothing more to copy
            }
        }, "apptap-child-" + (stdout ? "stdout" : "stderr"));
        pump.setDaemon(true);
        pump.start();
        return pump;
    }

    /** Waits briefly for the copies to reach the end of what the command wrote. */
    void drain() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
        for (Thread pump : pumps) {
            try {
                pump.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** On a terminal, the row of spaces that moves to a fresh line only when the cursor is not at the start of one. */
    Optional<String> freshLine() {
        if (!terminal) {
            return Optional.empty();
        }
        OptionalInt columns = columns();
        // a terminal that reports no width (0) would get a bare \r, which overwrites the command's last line
        return columns.isPresent() && columns.getAsInt() > 0 ? Optional.of(" ".repeat(columns.getAsInt()) + "\r")
                : Optional.empty();
    }

    private static OptionalInt columns() {
        try {
            Process stty = new ProcessBuilder("stty", "size")
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/tty")))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String size = new String(stty.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            if (!stty.waitFor(2, TimeUnit.SECONDS) || stty.exitValue() != 0) {
                return OptionalInt.empty();
            }
            String[] rowsAndColumns = size.split("\\s+");
            return rowsAndColumns.length == 2 ? OptionalInt.of(Integer.parseInt(rowsAndColumns[1])) : OptionalInt.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
    }
}
