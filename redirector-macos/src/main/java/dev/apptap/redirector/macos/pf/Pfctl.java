package dev.apptap.redirector.macos.pf;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code pfctl} through {@code sudo -n}: enabling pf with a reference (its token, so that apptap's release never
 * disables pf for anyone else), loading and flushing apptap's anchor, and the root watchdog that flushes the anchor and
 * releases the token when the JVM goes away, even by {@code kill -9}: it waits on a pipe only the JVM holds.
 *
 * @param sudo  the {@code sudo} to run
 * @param pfctl the {@code pfctl} to run (absolute: sudo's secure path may differ from the user's)
 */
record Pfctl(Path sudo, Path pfctl) {

    private static final Pattern TOKEN = Pattern.compile("Token\\s*:\\s*(\\d+)");
    private static final long COMMAND_SECONDS = 20;

    /** {@code sudo} and {@code pfctl} as found on {@code path} (a PATH value); pfctl also in /sbin. */
    static Optional<Pfctl> find(String path) {
        Optional<Path> sudo = onPath("sudo", path);
        Optional<Path> pfctl = onPath("pfctl", path + ":/sbin:/usr/sbin");
        return sudo.isPresent() && pfctl.isPresent() ? Optional.of(new Pfctl(sudo.get(), pfctl.get())) : Optional.empty();
    }

    private static Optional<Path> onPath(String program, String path) {
        for (String directory : path.split(":")) {
            Path candidate = Path.of(directory.isEmpty() ? "." : directory, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /** Whether {@code sudo -n} runs pfctl without a password: the one privilege macos-pf needs. */
    Optional<String> unavailableReason() {
        try {
            run("-s", "info");
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("The macos-pf redirector needs passwordless sudo for " + pfctl + " (" + e.getMessage()
                    + "); hosted GitHub runners have it, or add a sudoers rule such as '"
                    + System.getProperty("user.name") + " ALL=(root) NOPASSWD: " + pfctl + ", /bin/sh'.");
        }
    }

    /** {@code pfctl -E}: enables pf (or adds a reference), returning the token to release. */
    String enable() throws IOException {
        String output = run("-E");
        Matcher token = TOKEN.matcher(output);
        if (!token.find()) {
            throw new IOException("pfctl -E did not print its token ('Token : <number>'), so apptap could not release"
                    + " pf later; it printed: " + output.strip());
        }
        return token.group(1);
    }

    void load(Path rules) throws IOException {
        run("-a", PfAnchor.NAME, "-f", rules.toString());
    }

    /**
     * Starts the root watchdog: on a line from the JVM (a proper close) or the end of its input (the JVM died), it
     * flushes the anchor and releases {@code token}.
     */
    Watchdog watchdog(String token) throws IOException {
        String script = "read line; " + pfctl + " -a " + PfAnchor.NAME + " -F all; " + pfctl + " -X " + token;
        Process process = new ProcessBuilder(sudo.toString(), "-n", "/bin/sh", "-c", script)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        return new Watchdog(process);
    }

    /** The JVM's end of the root watchdog. */
    static final class Watchdog {
        private final Process process;

        Watchdog(Process process) {
            this.process = process;
        }

        /** Tells the watchdog to tear down now and waits until it has. */
        void tearDown() throws IOException {
            try (OutputStream in = process.getOutputStream()) {
                in.write('\n');
            } catch (IOException e) {
                // It ended already: it read the end of its input and tore down.
            }
            try {
                if (!process.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                    throw new IOException("apptap's pf watchdog did not flush the anchor " + PfAnchor.NAME + " within "
                            + COMMAND_SECONDS + " s; flush it with 'sudo pfctl -a " + PfAnchor.NAME + " -F all'.");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("apptap was interrupted while removing its pf anchor.", e);
            }
        }
    }

    private String run(String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(sudo.toString(), "-n", pfctl.toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        try {
            if (!process.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + COMMAND_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("apptap was interrupted while running " + String.join(" ", command) + ".", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed with status " + process.exitValue()
                    + (output.isBlank() ? "" : ": " + output.strip()));
        }
        return output;
    }
}
