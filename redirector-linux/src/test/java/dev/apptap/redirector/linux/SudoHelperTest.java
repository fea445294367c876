package dev.apptap.redirector.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code sudo -n} path, end to end: a JVM running as the unprivileged user {@value #USER} starts the provider,
 * which goes through {@code sudo -n apptap-redirector-helper}; curl is intercepted into that JVM's engine; after the
 * JVM is killed with SIGKILL the root helper exits and curl connects directly.
 *
 * <p>This test runs as root only to switch users ({@code runuser}) and to kill; everything it checks happens in the
 * unprivileged JVM ({@link SudoProbeMain}). It needs {@code .ci/setup-sudo-user.sh} to have run (user, sudoers rule,
 * helper installed from this checkout), and skips with a sentence saying so otherwise.
 */
class SudoHelperTest {

    static final String USER = "apptap-ci";
    static final String HELPER_PROPERTY = "apptap.redirector.helper";

    private Path shared;
    private HttpServer origin;
    private final AtomicInteger hits = new AtomicInteger();

    @BeforeEach
    void prepare() throws Exception {
        RootOnly.assumeRoot();
        assumeTrue(Files.isExecutable(SudoHelper.helperPath()) && Files.exists(Path.of("/etc/sudoers.d/apptap-redirector"))
                        && run(List.of("id", "-u", USER)).exitValue() == 0,
                "The sudo helper is not set up here; run .ci/setup-sudo-user.sh as root first (it creates " + USER
                        + ", installs " + SudoHelper.helperPath() + " and its sudoers rule).");
        // JUnit's @TempDir is private to root; the other user must read the class path and write its CA files.
        shared = Files.createTempDirectory("apptap-sudo-test");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        origin.createContext("/", exchange -> {
            hits.incrementAndGet();
            byte[] body = "origin for the sudo test\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        origin.start();
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (origin != null) {
            origin.stop(0);
        }
        if (shared != null) {
            try (Stream<Path> files = Files.walk(shared)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void anUnprivilegedJvmInterceptsThroughTheHelperAndKillNineReleasesEverything() throws Exception {
        Path work = Files.createDirectories(shared.resolve("work"));
        UserPrincipal user = work.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(USER);
        Files.setOwner(work, user);
        String url = "http://127.0.0.1:" + origin.getAddress().getPort() + "/through-sudo";
        List<String> lines = new CopyOnWriteArrayList<>();
        Process probe = startAs(USER, List.of(work.toString(), url), shared.resolve("probe.err"));
        long probePid = -1;
        long helperPid = -1;
        try {
            readUntilReady(probe, lines);
            probePid = Long.parseLong(value(lines, "PID"));
            helperPid = Long.parseLong(value(lines, "HELPER"));
            assertThat(value(lines, "UID")).as("%s", lines).isNotEqualTo("0");
            assertThat(value(lines, "CURL")).as("%s", lines)
                    .isEqualTo("exit=0 process=curl status=200 body=origin for the sudo test");
            assertThat(hits.get()).isEqualTo(1);
            assertThat(value(lines, "DESCRIBE")).contains("intercepting 'curl' among pid " + probePid);
            // This JVM's curl is no descendant of the probe's: out of its scope, it connects directly.
            assertThat(directCurl(url)).isEqualTo("origin for the sudo test\n");
            assertThat(hits.get()).isEqualTo(2);
            probe.getOutputStream().write("machine\n".getBytes(StandardCharsets.UTF_8));
            probe.getOutputStream().flush();
            readUntilReady(probe, lines);
            assertThat(value(lines, "MACHINE")).contains("intercepting 'curl' machine-wide");
            ProcessHandle helper = ProcessHandle.of(helperPid).orElseThrow();
            assertThat(helper.info().user()).contains("root");
            String loaded = bpftool();
            if (loaded.contains("pids ")) { // bpftool built with pid listing: the helper holds the programs
                assertThat(loaded).contains("(" + helperPid + ")");
            }
        } finally {
            if (probePid > 0) {
                ProcessHandle.of(probePid).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL the unprivileged JVM
            }
            probe.destroyForcibly();
            probe.waitFor(20, TimeUnit.SECONDS);
        }

        long helperToWatch = helperPid;
        await().atMost(Duration.ofSeconds(15)).until(() -> ProcessHandle.of(helperToWatch)
                .map(ProcessHandle::isAlive).orElse(false) == false);
        assertThat(bpftool()).doesNotContain("(" + helperPid + ")");
        // curl is still in the dead helper's machine-wide spec: had its links survived, curl would be sent to a closed
        // port.
        assertThat(directCurl(url)).isEqualTo("origin for the sudo test\n");
        assertThat(hits.get()).isEqualTo(3);
    }

    private static String directCurl(String url) throws Exception {
        Process direct = new ProcessBuilder("curl", "-sS", "--max-time", "20", url).redirectErrorStream(true).start();
        String out = new String(direct.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(direct.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void withoutTheSudoersRuleTheProviderSaysHowToEnableIt() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        Process probe = startAs("nobody", List.of("reason"), shared.resolve("reason.err"));
        readAll(probe, lines);

        assertThat(value(lines, "REASON")).as("%s", lines)
                .startsWith("OSPROXY on Linux needs root to load eBPF programs")
                .contains("NOPASSWD: " + SudoHelper.helperPath())
                .contains("README");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** {@link SudoProbeMain} as {@code user}, with a copy of this test's class path that user can read. */
    private Process startAs(String user, List<String> args, Path stderr) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of("runuser", "-u", user, "--", "env", "HOME=" + shared.resolve("work"),
                java, "-D" + HELPER_PROPERTY + "=" + SudoHelper.helperPath(), "-cp", readableClassPath(),
                SudoProbeMain.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    }

    private String readableClassPath() throws IOException {
        Path root = shared.resolve("cp");
        if (Files.isDirectory(root)) {
            return classPathIn(root);
        }
        Files.createDirectories(root);
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        int i = 0;
        List<String> entries = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.exists(source)) {
                continue;
            }
            Path target = root.resolve(String.format("%03d-%s", i++, source.getFileName()));
            if (Files.isDirectory(source)) {
                try (Stream<Path> files = Files.walk(source)) {
                    for (Path file : (Iterable<Path>) files::iterator) {
                        Path copy = target.resolve(source.relativize(file).toString());
                        if (Files.isDirectory(file)) {
                            Files.createDirectories(copy);
                        } else {
                            Files.copy(file, copy);
                        }
                    }
                }
            } else {
                Files.copy(source, target);
            }
            entries.add(target.toString());
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Files.writeString(shared.resolve("cp.txt"), String.join(File.pathSeparator, entries));
        return classPathIn(root);
    }

    private String classPathIn(Path root) throws IOException {
        return Files.readString(shared.resolve("cp.txt"));
    }

    private static void readUntilReady(Process probe, List<String> lines) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Void> ready = CompletableFuture.runAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null && !line.equals("READY"); ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the probe died; the assertions show what it printed
            }
        });
        ready.get(120, TimeUnit.SECONDS);
    }

    private static void readAll(Process probe, List<String> lines) throws Exception {
        readUntilReady(probe, lines);
        assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    private String value(List<String> lines, String key) throws IOException {
        return lines.stream().filter(l -> l.startsWith(key + " ")).map(l -> l.substring(key.length() + 1))
                .findFirst().orElseThrow(() -> new AssertionError("The probe printed no " + key + " line: " + lines
                        + "\nstderr: " + readIfExists(shared.resolve("probe.err")) + readIfExists(shared.resolve("reason.err"))));
    }

    private static String readIfExists(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String bpftool() throws Exception {
        for (Path tool : List.of(Path.of("/usr/sbin/bpftool"), Path.of("/usr/bin/bpftool"), Path.of("/sbin/bpftool"))) {
            if (Files.isExecutable(tool)) {
                Process p = new ProcessBuilder(tool.toString(), "prog", "show").redirectErrorStream(true).start();
                String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor(10, TimeUnit.SECONDS);
                return text;
            }
        }
        return "";
    }

    private static Process run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(10, TimeUnit.SECONDS);
        return p;
    }
}
