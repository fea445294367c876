package dev.apptap.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;

/**
 * apptap's two output streams, with the progress line: one lock around every write, so that a flow line never
 * lands in the middle of the progress line, which is erased before anything else is printed. When the command's
 * output passes through apptap ({@link ChildOutput}), it is written here too, and apptap's lines start on a fresh
 * line when the command's last output did not end with a newline.
 */
final class Terminal {

    private final PrintWriter out;
    private final PrintWriter err;
    private int progressWidth;
    private boolean tracking;
    private boolean stdoutSharesStderr;
    private boolean atLineStart = true;

    Terminal(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    /** A line for people: stderr, so that the command's own stdout stays clean for pipes. */
    synchronized void info(String line) {
        eraseProgress();
        if (!atLineStart) {
            err.println();
        }
        err.println(line);
        err.flush();
        atLineStart = true;
    }

    /** A line for scripts: stdout. */
    synchronized void data(String line) {
        eraseProgress();
        if (stdoutSharesStderr && !atLineStart) {
            out.println();
        }
        out.println(line);
        out.flush();
        atLineStart = atLineStart || stdoutSharesStderr;
    }

    /** From now on, the command's output that goes where apptap's stderr goes passes through {@link #passThrough}. */
    synchronized void tracksLineStart(boolean tracking, boolean stdoutSharesStderr) {
        this.tracking = tracking;
        this.stdoutSharesStderr = stdoutSharesStderr;
    }

    /** Bytes the command wrote, copied unchanged to this process's stdout or stderr. */
    synchronized void passThrough(byte[] bytes, int length, boolean stdout) throws IOException {
        if (length == 0) {
            return;
        }
        eraseProgress();
        (stdout ? out : err).flush();
        OutputStream target = stdout ? RAW_OUT : RAW_ERR;
        target.write(bytes, 0, length);
        target.flush();
        if (tracking) {
            atLineStart = bytes[length - 1] == '\n';
        }
    }

    /** Prints {@code padding} (a terminal's fresh-line trick) before the next line, as is. */
    synchronized void pad(String padding) {
        eraseProgress();
        err.print(padding);
        err.flush();
    }

    private static final OutputStream RAW_OUT = new FileOutputStream(FileDescriptor.out);
    private static final OutputStream RAW_ERR = new FileOutputStream(FileDescriptor.err);

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
