package dev.apptap.cli;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command {@code apptap run} starts, with the user's stdin, stdout and stderr (some passing through apptap, see
 * {@link ChildOutput}) and apptap's environment laid over the user's.
 */
final class Child {

    /** What shells exit with when a command is not found; scripts already test for it. */
    static final int NOT_FOUND = 127;

    private Child() {
    }

    static Process start(List<String> command, Map<String, String> environment, ChildOutput output) {
        return start(command, environment, command.get(0), output);
    }

    /**
     * Starts {@code command} held behind a gate: a shell that blocks on a FIFO and then {@code exec}s the command,
     * so the redirector can be told the pid before the command makes its first connection. The pid stays the same
     * across {@code exec}, and the redirector pins pids named in a spec.
     */
    static Gated startGated(List<String> command, Map<String, String> environment, ChildOutput output) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("apptap-gate");
            Path fifo = dir.resolve("go");
            makeFifo(fifo);
            List<String> gated = new ArrayList<>(List.of("/bin/sh", "-c", "read -r _ < \"$0\"; exec \"$@\"",
                    fifo.toString()));
            gated.addAll(command);
            return new Gated(start(gated, environment, command.get(0), output), dir, fifo);
        } catch (IOException e) {
            throw new CliFailure("apptap could not prepare to start " + command.get(0) + ": " + e.getMessage(),
                    Apptap.FAILED);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("apptap was interrupted while starting " + command.get(0), Apptap.FAILED);
        }
    }

    /**
     * libc's {@code mkfifo}, which JNA has loaded already for the redirector, rather than the {@code mkfifo} program:
     * one program fewer to start before the command; the program where JNA cannot reach libc.
     */
    private static void makeFifo(Path fifo) throws IOException, InterruptedException {
        try {
            LibC.mkfifo(fifo.toString(), 0600);
            return;
        } catch (LastErrorException e) {
            throw new CliFailure("apptap could not create the FIFO " + fifo + " (errno " + e.getErrorCode() + ")",
                    Apptap.FAILED);
        } catch (LinkageError e) {
            // no libc through JNA on this platform
        }
        Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).inheritIO().start();
        if (mkfifo.waitFor() != 0) {
            throw new CliFailure("apptap could not create a FIFO with mkfifo in " + fifo.getParent(), Apptap.FAILED);
        }
    }

    private static Process start(List<String> command, Map<String, String> environment, String name,
                                 ChildOutput output) {
        ProcessBuilder builder = new ProcessBuilder(command);
        output.configure(builder);
        builder.environment().clear();
        builder.environment().putAll(environment);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new CliFailure("apptap could not start " + name + ": " + e.getMessage(), NOT_FOUND);
        }
    }

    /**
     * Fails early, with a sentence and the shell's exit code, when the command does not exist; in OSPROXY mode the
     * gate shell would otherwise report it in its own words.
     */
    static void checkExists(String command, Map<String, String> environment) {
        if (command.contains("/")) {
            if (!Files.isExecutable(Path.of(command))) {
                throw new CliFailure("apptap cannot run " + command + ": there is no executable file there", NOT_FOUND);
            }
            return;
        }
        String path = environment.getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return;
            }
        }
        throw new CliFailure("apptap cannot run " + command + ": no such command on the PATH", NOT_FOUND);
    }

    /** Direct mapping, as in {@code SoOriginalDst}: one JNI hop, errno captured by JNA. */
    private static final class LibC {
        static {
            Native.register("c");
        }

        static native int mkfifo(String path, int mode) throws LastErrorException;
    }

    /** A started command that waits for {@link #open()} before it runs. */
    static final class Gated {

        private final Process process;
        private final Path dir;
        private final Path fifo;

        private Gated(Process process, Path dir, Path fifo) {
            this.process = process;
            this.dir = dir;
            this.fifo = fifo;
        }

        long pid() {
            return process.pid();
        }

        Process process() {
            return process;
        }

        /** Lets the command run. Opening a FIFO blocks until the shell opens it, so a helper thread waits for that. */
        void open() {
            Thread opener = new Thread(() -> {
                try (OutputStream out = Files.newOutputStream(fifo)) {
                    out.write("go\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the shell died before reading: its exit code tells the user
                } finally {
                    deleteQuietly();
                }
            }, "apptap-gate");
            opener.setDaemon(true);
            opener.start();
        }

        private void deleteQuietly() {
            try {
                Files.deleteIfExists(fifo);
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // a FIFO left in the temp directory is harmless
            }
        }
    }
}
