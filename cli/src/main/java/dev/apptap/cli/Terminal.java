package dev.apptap.cli;

import java.io.PrintWriter;

/**
 * apptap's two output streams, with the progress line: one lock around every write, so that a flow line never
 * lands in the middle of the progress line, which is erased before anything else is printed.
 */
final class Terminal {

    private final PrintWriter out;
    private final PrintWriter err;
    private int progressWidth;

    Terminal(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    /** A line for people: stderr, so that the command's own stdout stays clean for pipes. */
    synchronized void info(String line) {
        eraseProgress();
        err.println(line);
        err.flush();
    }

    /** A line for scripts: stdout. */
    synchronized void data(String line) {
        eraseProgress();
        out.println(line);
        out.flush();
    }

    /** Replaces the progress line (stderr, rewritten in place with {@code \r}). */
    synchronized void progress(String line) {
        String padded = line.length() < progressWidth ? line + " ".repeat(progressWidth - line.length()) : line;
        err.print("\r" + padded);
        err.flush();
        progressWidth = line.length();
    }

    synchronized void eraseProgress() {
        if (progressWidth > 0) {
            err.print("\r" + " ".repeat(progressWidth) + "\r");
            err.flush();
            progressWidth = 0;
        }
    }
}
