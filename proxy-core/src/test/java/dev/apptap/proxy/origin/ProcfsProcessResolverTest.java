package dev.apptap.proxy.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apptap.flow.ProcessInfo;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcfsProcessResolverTest {

    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void describesThisJvmByItsExecutableAndCommandLine() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "This host has no Linux /proc file system.");

        ProcessInfo self = ProcfsProcessResolver.ofPid(SELF);

        assertThat(self.pid()).isEqualTo(SELF);
        assertThat(self.name()).isEqualTo("java");
        assertThat(self.executable()).endsWith("/java").isEqualTo(ProcessHandle.current().info().command().orElseThrow());
        assertThat(self.commandLine()).isNotEmpty();
    }

    @Test
    void answersAThreadIdWithItsProcess() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "This host has no Linux /proc file system.");
        long otherThread;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            otherThread = tasks.mapToLong(task -> Long.parseLong(task.getFileName().toString()))
                    .filter(tid -> tid != SELF)
                    .findFirst()
                    .orElseThrow();
        }

        assertThat(ProcfsProcessResolver.ofPid(otherThread).pid()).isEqualTo(SELF);
    }

    @Test
    void answersUnknownForAProcessThatHasExited() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "This host has no Linux /proc file system.");
        Process done = new ProcessBuilder("true").start();
        done.waitFor();

        assertThat(ProcfsProcessResolver.ofPid(done.pid())).isEqualTo(ProcessInfo.UNKNOWN);
    }

    @Test
    void fallsBackToTheKernelsShortNameWhenTheExecutableIsUnreadable(@TempDir Path proc)
            throws Exception {
        Path pid = Files.createDirectories(proc.resolve("77"));
        Files.writeString(pid.resolve("comm"), "kworker/0:1\n");
        Files.write(pid.resolve("cmdline"), new byte[0]);

        ProcessInfo kernelThread = ProcfsProcessResolver.ofPid(proc, 77);

        assertThat(kernelThread).isEqualTo(new ProcessInfo(77, "kworker/0:1", "", List.of()));
    }

    @Test
    void stripsTheDeletedMarkerOfAReplacedExecutable(@TempDir Path proc) throws Exception {
        Path pid = Files.createDirectories(proc.resolve("78"));
        Files.createSymbolicLink(pid.resolve("exe"), Path.of("/opt/app/bin/server (deleted)"));
        Files.write(pid.resolve("cmdline"), "server\0--port\0008080\0".getBytes(StandardCharsets.UTF_8));

        ProcessInfo replaced = ProcfsProcessResolver.ofPid(proc, 78);

        assertThat(replaced.name()).isEqualTo("server");
        assertThat(replaced.executable()).isEqualTo("/opt/app/bin/server");
        assertThat(replaced.commandLine()).containsExactly("server", "--port", "8080");
    }

    @Test
    void splitsTheCommandLineOnNulsEvenWithoutATrailingOne() {
        assertThat(ProcfsProcessResolver.splitNul("curl\0-s\0\0http://x/".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("curl", "-s", "", "http://x/");
    }

    @Test
    void findsThisJvmBehindAJavaClientSocket() throws Exception {
        assumeTrue(Epoll.isAvailable(), "Netty's epoll transport is unavailable here, so this is not Linux.");
        ProcfsProcessResolver resolver = new ProcfsProcessResolver();
        try (LoopbackListener listener = new LoopbackListener();
                Socket client = new Socket("127.0.0.1", listener.port())) {
            EpollSocketChannel accepted = listener.take();
            InetSocketAddress app = accepted.remoteAddress();

            ProcessInfo owner = resolver.resolve(app, accepted.localAddress());

            assertThat(app.getPort()).isEqualTo(client.getLocalPort());
            assertThat(owner.pid()).isEqualTo(SELF);
            assertThat(owner.name()).isEqualTo("java");
            // The second lookup starts with the pid it found first; the answer must not change.
            assertThat(resolver.resolve(app, accepted.localAddress())).isEqualTo(owner);
        }
    }

    @Test
    void answersUnknownForAConnectionNoLocalProcessHolds() {
        assumeTrue(Files.isDirectory(Path.of("/proc/net")), "This host has no Linux /proc file system.");

        assertThat(new ProcfsProcessResolver().resolve(new InetSocketAddress("127.0.0.1", 1),
                new InetSocketAddress("127.0.0.1", 2))).isEqualTo(ProcessInfo.UNKNOWN);
    }
    @Test
    void describesAPidThatANewProcessReusedAfresh(@TempDir Path proc) throws Exception {
        ProcfsProcessResolver resolver = new ProcfsProcessResolver(proc);
        fakeProcess(proc.resolve("4242"), "/usr/bin/curl", "curl", "https://a.test/");
        assertThat(resolver.describe(4242).commandLine()).containsExactly("curl", "https://a.test/");

        // the old process's directory still exists while the new one appears, as procfs numbers them apart
        Files.move(proc.resolve("4242"), proc.resolve("gone"));
        fakeProcess(proc.resolve("4242"), "/usr/bin/curl", "curl", "https://b.test/");

        assertThat(resolver.describe(4242).commandLine()).containsExactly("curl", "https://b.test/");
    }

    @Test
    void describesAProcessAfreshOnceItExecutedAnotherProgram(@TempDir Path proc) throws Exception {
        ProcfsProcessResolver resolver = new ProcfsProcessResolver(proc);
        Path dir = fakeProcess(proc.resolve("4242"), "/bin/sh", "sh", "-c", "exec wget https://a.test/");
        assertThat(resolver.describe(4242).name()).isEqualTo("sh");

        Files.delete(dir.resolve("exe"));
        Files.createSymbolicLink(dir.resolve("exe"), Path.of("/usr/bin/wget"));
        Files.write(dir.resolve("cmdline"), "wget\0https://a.test/\0".getBytes(StandardCharsets.UTF_8));

        assertThat(resolver.describe(4242).name()).isEqualTo("wget");
    }

    @Test
    void describesTheSameLiveProcessFromWhatItRemembered(@TempDir Path proc) throws Exception {
        ProcfsProcessResolver resolver = new ProcfsProcessResolver(proc);
        Path dir = fakeProcess(proc.resolve("4242"), "/usr/bin/python3", "python3", "serve.py");
        ProcessInfo first = resolver.describe(4242);

        // a process that rewrites its argv (setproctitle) is still the process first described
        Files.write(dir.resolve("cmdline"), "renamed\0".getBytes(StandardCharsets.UTF_8));

        assertThat(resolver.describe(4242)).isSameAs(first);
    }

    private static Path fakeProcess(Path dir, String executable, String... commandLine) throws Exception {
        Files.createDirectories(dir);
        Files.createSymbolicLink(dir.resolve("exe"), Path.of(executable));
        Files.writeString(dir.resolve("comm"), Path.of(executable).getFileName() + "\n");
        Files.write(dir.resolve("cmdline"), (String.join("\0", commandLine) + "\0").getBytes(StandardCharsets.UTF_8));
        Files.writeString(dir.resolve("status"), "Name:\t" + Path.of(executable).getFileName() + "\nTgid:\t"
                + dir.getFileName() + "\n");
        return dir;
    }
}
