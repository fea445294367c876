package dev.apptap.redirector.linux;

import dev.apptap.proxy.redirect.InterceptScope;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The unprivileged side of OSPROXY on Linux: starts {@code sudo -n apptap-redirector-helper --serve <this pid>},
 * which runs {@link HelperMain} as root, and drives it over its stdin/stdout. The links live in the helper; it exits
 * when this JVM closes the pipe or dies, so nothing outlives this JVM even after {@code kill -9}.
 *
 * <p>The helper's path is fixed ({@value #DEFAULT_HELPER}, root-owned, installed with the jars it runs) because a
 * sudoers rule names one exact command; the system property {@code apptap.redirector.helper} points elsewhere.
 */
final class SudoHelper implements Redirector {

    static final String DEFAULT_HELPER = "/usr/local/lib/apptap/apptap-redirector-helper";
    private static final long REPLY_SECONDS = 30;

    /** Availability is a sudo round trip and a JVM start: asked once per JVM. */
    private static volatile Optional<String> cachedReason;

    private final Process process;
    private final long helperPid;
    private final BufferedReader replies;
    private final Writer commands;
    private final StringBuilder stderr;
    private InterceptSpec spec = InterceptSpec.NOTHING;
    private InterceptScope scope = InterceptScope.MACHINE;
    private boolean closed;

    private SudoHelper(Process process, long helperPid, BufferedReader replies, Writer commands, StringBuilder stderr) {
        this.process = process;
        this.helperPid = helperPid;
        this.replies = replies;
        this.commands = commands;
        this.stderr = stderr;
    }

    static Path helperPath() {
        return Path.of(System.getProperty("apptap.redirector.helper", DEFAULT_HELPER));
    }

    static Optional<String> unavailableReason() {
        Optional<String> reason = cachedReason;
        if (reason == null) {
            reason = probe();
            cachedReason = reason;
        }
        return reason;
    }

    private static Optional<String> probe() {
        Path helper = helperPath();
        // One sentence: what is missing, then "; " and how to enable it.
        String enable = "; run the tests as root, or install the helper and allow it with passwordless sudo (the"
                + " sudoers line is in redirector-linux's README: <user> ALL=(root) NOPASSWD: " + helper + ").";
        if (!Files.isExecutable(helper)) {
            return Optional.of("OSPROXY on Linux needs root to load eBPF programs, and this JVM is not root and "
                    + helper + " is not installed" + enable);
        }
        try {
            Process check = new ProcessBuilder("sudo", "-n", helper.toString(), "--check")
                    .redirectErrorStream(true).start();
            check.getOutputStream().close();
            CompletableFuture<String> output = readAll(check.getInputStream());
            if (!check.waitFor(30, TimeUnit.SECONDS)) {
                check.destroyForcibly();
                return Optional.of("OSPROXY on Linux needs root, and 'sudo -n " + helper + " --check' did not finish"
                        + " within 30 s" + enable);
            }
            String said = output.get(5, TimeUnit.SECONDS).strip();
            if (check.exitValue() == 0) {
                return Optional.empty();
            }
            if (check.exitValue() == 1 && !said.isEmpty() && !said.contains("sudo")) {
                return Optional.of(said); // the helper ran as root and names what the kernel lacks
            }
            return Optional.of("OSPROXY on Linux needs root to load eBPF programs, and this JVM is not root and may"
                    + " not run " + helper + " with 'sudo -n' (" + firstLine(said) + ")" + enable);
        } catch (IOException e) {
            return Optional.of("OSPROXY on Linux needs root to load eBPF programs, and this JVM is not root and"
                    + " could not run sudo (" + e.getMessage() + ")" + enable);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("OSPROXY on Linux could not check for its sudo helper: interrupted.");
        } catch (ExecutionException | TimeoutException e) {
            return Optional.of("OSPROXY on Linux could not read 'sudo -n " + helper + " --check' (" + e + ")" + enable);
        }
    }

    static SudoHelper start(RedirectTarget target) throws IOException {
        if (target.dns().isPresent() && !(target.dns().get().getAddress() instanceof Inet4Address)) {
            throw new IllegalArgumentException("apptap's Linux redirector sends DNS to an IPv4 loopback responder,"
                    + " but the target names " + target.dns().get() + ".");
        }
        long self = ProcessHandle.current().pid();
        Process process = new ProcessBuilder("sudo", "-n", helperPath().toString(), "--serve", Long.toString(self))
                .start();
        StringBuilder stderr = new StringBuilder();
        Thread drain = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = err.readLine()) != null; ) {
                    synchronized (stderr) {
                        if (stderr.length() < 4000) {
                            stderr.append(line).append('\n');
                        }
                    }
                }
            } catch (IOException ignored) {
                // the helper is gone; what it said is in stderr already
            }
        }, "apptap-helper-stderr");
        drain.setDaemon(true);
        drain.start();
        BufferedReader replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Writer commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        SudoHelper helper = null;
        try {
            String hello = readLine(process, replies, stderr);
            if (!hello.startsWith("HELLO ")) {
                throw new IOException("apptap's sudo helper greeted with '" + hello + "' instead of HELLO.");
            }
            helper = new SudoHelper(process, Long.parseLong(hello.substring(6).trim()), replies, commands, stderr);
            List<String> pids = target.excludedPids().stream().map(String::valueOf).collect(Collectors.toList());
            helper.call("START " + target.tcpIpv4().getPort() + " " + target.tcpIpv6().getPort() + " "
                    + target.dns().map(d -> d.getAddress().getHostAddress() + ":" + d.getPort()).orElse("-") + " "
                    + (pids.isEmpty() ? "-" : String.join(",", pids)) + " "
                    + target.explicitProxy().map(p -> Integer.toString(p.getPort())).orElse("-"));
            return helper;
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** The helper's pid (root, a child of sudo): tests check that it goes away with this JVM. */
    long helperPid() {
        return helperPid;
    }

    @Override
    public synchronized void intercept(InterceptSpec newSpec, InterceptScope newScope) {
        String text = newSpec.toString();
        if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("An intercept spec sent to the sudo helper cannot contain a line break.");
        }
        try {
            call("SPEC " + newScope + " " + text);
            spec = newSpec;
            scope = newScope;
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public synchronized InterceptSpec spec() {
        return spec;
    }

    @Override
    public synchronized InterceptScope scope() {
        return scope;
    }

    @Override
    public synchronized String describe() {
        try {
            return call("DESCRIBE") + " (held by the sudo helper, pid " + helperPid + ")";
        } catch (IOException e) {
            return "linux-ebpf through the sudo helper, pid " + helperPid + ": " + e.getMessage();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            call("STOP");
            commands.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            // Closing our end of the pipe is what makes the helper exit; it is closed, or the helper is gone.
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private String call(String command) throws IOException {
        if (closed && !command.equals("STOP")) {
            throw new IllegalStateException("This redirector is closed.");
        }
        commands.write(command + "\n");
        commands.flush();
        String reply = readLine(process, replies, stderr);
        if (reply.startsWith("ERR ")) {
            throw new IOException(reply.substring(4));
        }
        if (!reply.equals("OK") && !reply.startsWith("OK ")) {
            throw new IOException("apptap's sudo helper answered '" + reply + "' to " + command.split(" ")[0] + ".");
        }
        return reply.length() > 3 ? reply.substring(3) : "";
    }

    /** A reply, waiting at most {@value #REPLY_SECONDS} s; a helper that died names what it printed. */
    private static String readLine(Process process, BufferedReader replies, StringBuilder stderr) throws IOException {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return replies.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        try {
            String reply = line.get(REPLY_SECONDS, TimeUnit.SECONDS);
            if (reply != null) {
                return reply;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // fall through: report what the helper said
        }
        String said;
        synchronized (stderr) {
            said = stderr.toString().strip();
        }
        throw new IOException("apptap's sudo helper " + (process.isAlive() ? "did not answer within " + REPLY_SECONDS
                + " s" : "exited") + (said.isEmpty() ? "." : "; it said: " + said));
    }

    private static CompletableFuture<String> readAll(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    private static String firstLine(String text) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        return lines.isEmpty() ? "no output" : lines.get(0);
    }
}
