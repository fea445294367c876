package dev.apptap.redirector.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No interception outlives its owner in a container either: a JVM whose session listens inside a running container's
 * network namespace is killed with SIGKILL; afterwards nothing listens there, no apptap program or map is loaded, and
 * the container's wget runs on, untouched (not stopped, not redirected).
 */
class ContainerKillNineTest {

    @TempDir
    Path dir;

    @Test
    void aKilledJvmLeavesNoListenerInTheContainerAndNoProgramOrMap() throws Exception {
        RootOnly.assumeRoot();
        Optional<String> noDocker = Docker.unavailableReason();
        assumeTrue(noDocker.isEmpty(), () -> noDocker.get());
        assumeTrue(KillNineTest.BPFTOOL != null, "bpftool is missing; .ci/install-packages.sh installs it.");
        Docker.buildImages(dir);
        String name = "apptap-test-" + UUID.randomUUID().toString().substring(0, 12);
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process holder = new ProcessBuilder(java, "-cp", classpath, ContainerSessionMain.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertThat(ready).startsWith("READY ");
            String port = ready.substring("READY ".length());
            // sh stays as the container's first process; wget, its child, is intercepted. Busybox's sh runs an applet
            // named without a path in a fork of itself, with no exec and so no name to match: /bin/wget is exec'd.
            Docker.Result started = Docker.run(List.of("docker", "run", "-d", "--name", name, Docker.BUSYBOX, "sh", "-c",
                    "/bin/wget -q -O- http://api.example.test/v1/hello; sleep 300"), 30);
            assertThat(started.exit()).as("%s", started).isZero();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(Docker.run(List.of("docker", "logs", name), 10).out()).isEqualTo("held\n"));
            assertThat(listening(name)).as("the engine listens inside the container").contains(":" + port + " ");
            assertThat(KillNineTest.bpftool(List.of("map", "show"))).contains("netns_ready");

            holder.destroyForcibly(); // SIGKILL
            assertThat(holder.waitFor(20, TimeUnit.SECONDS)).isTrue();

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(listening(name)).doesNotContain(":" + port + " ");
                assertThat(KillNineTest.loadedPrograms()).doesNotContain("apptap_");
                assertThat(KillNineTest.bpftool(List.of("map", "show"))).doesNotContain("netns_ready");
            });
            // (no -T: busybox wget crashes when a connect with a timeout is refused)
            Docker.Result after = Docker.run(List.of("docker", "exec", name, "wget", "-q", "-O-",
                    "http://127.0.0.1:" + port + "/"), 30);
            assertThat(after.exit()).as("wget runs untouched and finds nothing listening: %s", after).isNotZero();
            assertThat(after.err()).as("%s", after).contains("refused");
        } finally {
            holder.destroyForcibly();
            Docker.run(List.of("docker", "rm", "-f", name), 30);
            Docker.removeImages();
        }
    }

    /** The container's listening TCP sockets, as its own netstat shows them. */
    private static String listening(String container) throws Exception {
        return Docker.run(List.of("docker", "exec", container, "netstat", "-ltn"), 20).out();
    }
}
