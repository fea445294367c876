package dev.apptap.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs real client programs (curl, python3, node, ...) as subprocesses. A run never hangs a test: past its
 * timeout the process and its descendants are killed, and output is drained on threads so a chatty program
 * cannot block on a full pipe.
 *
 * <p>Proxy variables inherited from the developer's shell or the CI runner are removed, so a test sees exactly
 * the variables it passes: an inherited {@code HTTPS_PROXY} would otherwise send loopback traffic elsewhere.
 */
public final class Clients {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** Bytes of each stream kept in a {@link ClientResult}; more is read and dropped. */
    public static final int MAX_CAPTURE = 4 * 1024 * 1024;

    private static final List<String> PROXY_VARIABLES = List.of("http_proxy", "https_proxy", "all_proxy", "no_proxy",
            "ftp_proxy", "grpc_proxy", "global_agent_http_proxy", "global_agent_https_proxy", "npm_config_proxy",
            "npm_config_https_proxy");

    private Clients() {
    }

    /** Starts building a run of {@code command}. */
    public static Run command(String... command) {
        return new Run(List.of(command));
    }

    /** Runs {@code curl} with {@code args} and the default timeout. */
    public static ClientResult curl(Map<String, String> environment, String... args) {
        return command(prepend("curl", args)).environment(environment).run();
    }

    /** Runs {@code python3 -c script args...}. */
    public static ClientResult python3(Map<String, String> environment, String script, String... args) {
        return command(prepend("python3", prepend("-c", prepend(script, args)))).environment(environment).run();
    }

    /** Runs {@code node -e script args...}; node puts {@code args} in {@code process.argv.slice(1)}. */
    public static ClientResult node(Map<String, String> environment, String script, String... args) {
        return command(prepend("node", prepend("-e", prepend(script, args)))).environment(environment).run();
    }

    /** Skips the current test, with a sentence saying why, unless {@code program} is on the PATH. */
    public static void assumeInstalled(String program) {
        Assumptions.assumeTrue(find(program).isPresent(),
                () -> program + " is not installed (it is not on the PATH), so this test cannot run it.");
    }

    public static boolean isInstalled(String program) {
        return find(program).isPresent();
    }

    /** The executable {@code program} resolves to on the PATH. */
    public static Optional<Path> find(String program) {
        if (program.contains(File.separator)) {
            Path path = Path.of(program);
            return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String directory : path.split(File.pathSeparator)) {
            if (directory.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(directory, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** One subprocess run, configured fluently and started by {@link #run()}. */
    public static final class Run {

        private final List<String> command;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Duration timeout = DEFAULT_TIMEOUT;
        private byte[] stdin = new byte[0];
        private Path directory;

        private Run(List<String> command) {
            if (command.isEmpty()) {
                throw new IllegalArgumentException("A client run needs a program to start.");
            }
            this.command = command;
        }

        /** Adds variables to the inherited environment (which has its proxy variables removed). */
        public Run environment(Map<String, String> variables) {
            environment.putAll(variables);
            return this;
        }

        public Run environment(String name, String value) {
            environment.put(name, value);
            return this;
        }

        public Run timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Bytes written to the program's standard input, which is then closed. */
        public Run stdin(byte[] input) {
            this.stdin = input.clone();
            return this;
        }

        public Run stdin(String input) {
            return stdin(input.getBytes(StandardCharsets.UTF_8));
        }

        public Run directory(Path directory) {
            this.directory = directory;
            return this;
        }

        public ClientResult run() {
            ProcessBuilder builder = new ProcessBuilder(command);
            removeProxyVariables(builder.environment());
            builder.environment().putAll(environment);
            if (directory != null) {
                builder.directory(directory.toFile());
            }
            long started = System.nanoTime();
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new UncheckedIOException("The client " + String.join(" ", command) + " could not be started.", e);
            }
            Drain out = Drain.start(process.getInputStream(), command.get(0) + " stdout");
            Drain err = Drain.start(process.getErrorStream(), command.get(0) + " stderr");
            Thread feeder = new Thread(() -> feed(process.getOutputStream(), stdin), command.get(0) + " stdin");
            feeder.setDaemon(true);
            feeder.start();
            boolean timedOut = false;
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    timedOut = true;
                    // Children first: a killed shell would orphan them and they would keep the pipes open.
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                timedOut = true;
            }
            Duration duration = Duration.ofNanos(System.nanoTime() - started);
            int exitCode = process.isAlive() ? -1 : process.exitValue();
            return new ClientResult(command, exitCode, out.text(), err.text(), duration, timedOut);
        }

        private static void feed(OutputStream target, byte[] input) {
            try (target) {
                target.write(input);
            } catch (IOException e) {
                // The program exited or closed its input without reading it all, which is its business.
            }
        }
    }

    /** Reads a stream to its end on a daemon thread, keeping the first {@link #MAX_CAPTURE} bytes. */
    private static final class Drain extends Thread {

        private final InputStream source;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long dropped;

        private Drain(InputStream source, String name) {
            super(name);
            this.source = source;
            setDaemon(true);
        }

        static Drain start(InputStream source, String name) {
            Drain drain = new Drain(source, name);
            drain.start();
            return drain;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try (source) {
                for (int read; (read = source.read(buffer)) >= 0; ) {
                    synchronized (this) {
                        int keep = Math.min(read, MAX_CAPTURE - kept.size());
                        kept.write(buffer, 0, keep);
                        dropped += read - keep;
                    }
                }
            } catch (IOException e) {
                // The pipe closed under us after a kill; what was read so far is the output.
            }
        }

        String text() {
            try {
                // A grandchild that escaped the kill may hold the pipe open; do not wait for it forever.
                join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                String text = kept.toString(StandardCharsets.UTF_8);
                return dropped == 0 ? text : text + "\n[" + dropped + " more bytes were dropped]";
            }
        }
    }

    static void removeProxyVariables(Map<String, String> environment) {
        environment.keySet().removeIf(name -> PROXY_VARIABLES.contains(name.toLowerCase(Locale.ROOT)));
    }

    private static String[] prepend(String first, String... rest) {
        List<String> all = new ArrayList<>(rest.length + 1);
        all.add(first);
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }
}
