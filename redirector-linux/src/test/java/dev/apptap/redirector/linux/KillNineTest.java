package dev.apptap.redirector.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No interception outlives its owner: a JVM with the redirector active is killed with SIGKILL, and afterwards no
 * apptap program is attached or loaded, and curl connects directly.
 */
class KillNineTest {

    @TempDir
    Path dir;

    @Test
    void aKilledJvmLeavesNothingAttached() throws Exception {
        RootOnly.assumeRoot();
        Path cgroup = CgroupRoot.find().orElseThrow();
        try (Harness h = new Harness(dir)) {
            String java = ProcessHandle.current().info().command().orElse("java");
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Process holder = new ProcessBuilder(java, "-cp", classpath, RedirectorHoldingMain.class.getName(),
                    Integer.toString(h.listenerPort), Integer.toString(h.listenerPort),
                    Long.toString(ProcessHandle.current().pid()))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
                assertThat(out.readLine()).isEqualTo("READY");
                if (BPFTOOL != null) {
                    assertThat(attachedPrograms(cgroup)).contains("apptap_connect4");
                }

                FlowStore.Mark before = h.engine.flows().mark();
                Harness.Run intercepted = h.run(List.of("curl", "-sS", "--max-time", "20", h.http4Url("/while-alive")));
                assertThat(intercepted.out()).as("%s", intercepted).contains("origin says hi to /while-alive");
                h.engine.flows().since(before).awaitFirst(HttpFlow.class,
                        f -> f.request().path().equals("/while-alive"), Duration.ofSeconds(15));
            } finally {
                holder.destroyForcibly(); // SIGKILL
                assertThat(holder.waitFor(20, TimeUnit.SECONDS)).isTrue();
            }

            if (BPFTOOL != null) {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(attachedPrograms(cgroup)).doesNotContain("apptap_");
                    assertThat(loadedPrograms()).doesNotContain("apptap_");
                });
            }
            FlowStore.Mark after = h.engine.flows().mark();
            Harness.Run direct = h.run(List.of("curl", "-sS", "--max-time", "20", h.http4Url("/after-kill")));
            assertThat(direct.out()).as("%s", direct).contains("origin says hi to /after-kill");
            Thread.sleep(300);
            // Only curl's own flows: the engine's listener is on loopback, and a JVM killed mid-connection leaves
            // other programs' already-redirected connections to finish here.
            assertThat(h.engine.flows().since(after).fromPids(Set.of(direct.pid())).flows()).isEmpty();
            assertThat(h.hits("/after-kill")).isEqualTo(1);
        }
    }

    /**
     * The JVM holding both the engine and the redirector is killed while curl is halfway through a response that
     * flows through that engine: curl ends at once with a transfer error (its connection died with the engine)
     * rather than hanging, no apptap program or link stays in the kernel, and the next curl goes directly.
     */
    @Test
    void aJvmKilledMidFlowEndsTheFlowsConnectionAndLeavesNothingAttached() throws Exception {
        RootOnly.assumeRoot();
        assumeTrue(BPFTOOL != null,
                "bpftool is missing; .ci/install-packages.sh installs it, and this test lists links with it.");
        Path cgroup = CgroupRoot.find().orElseThrow();
        try (Harness h = new Harness(dir)) {
            CountDownLatch midBody = new CountDownLatch(1);
            h.http4.createContext("/half-then-wait", exchange -> {
                exchange.sendResponseHeaders(200, 1_000_000);
                exchange.getResponseBody().write(new byte[10_000]);
                exchange.getResponseBody().flush();
                midBody.countDown();
                try {
                    Thread.sleep(60_000); // the rest never comes while the test runs
                } catch (InterruptedException stopped) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
            });
            String java = ProcessHandle.current().info().command().orElse("java");
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Process holder = new ProcessBuilder(java, "-cp", classpath, RedirectorHoldingMain.class.getName(),
                    "own-engine", "-", Long.toString(ProcessHandle.current().pid()))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Process curl = null;
            List<String> apptapLinks;
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
                assertThat(out.readLine()).isEqualTo("READY");
                apptapLinks = linksOfApptapPrograms();
                assertThat(apptapLinks).as("the holder's programs are attached through links").isNotEmpty();

                curl = h.start(List.of("curl", "-sS", "-o", "/dev/null", "--max-time", "45", h.http4Url("/half-then-wait")));
                assertThat(midBody.await(20, TimeUnit.SECONDS)).as("curl's request reached the origin").isTrue();
                Thread.sleep(300); // the first bytes are on their way through the holder's engine
            } finally {
                holder.destroyForcibly(); // SIGKILL, mid-flow
                assertThat(holder.waitFor(20, TimeUnit.SECONDS)).isTrue();
            }
            Harness.Run cut = Harness.finish(curl, Duration.ofSeconds(60));
            // a broken transfer, not 28: curl's own --max-time, which is what waiting for the rest would end in
            assertThat(cut.exit()).as("curl sees the broken transfer: %s", cut).isIn(18, 52, 56);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(bpftool(List.of("cgroup", "tree", cgroup.toString()))).doesNotContain("apptap_");
                assertThat(bpftool(List.of("link", "show")).lines().map(String::strip)).doesNotContainAnyElementsOf(apptapLinks);
                assertThat(loadedPrograms()).doesNotContain("apptap_");
            });
            Harness.Run direct = h.run(List.of("curl", "-sS", "--max-time", "20", h.http4Url("/after-mid-flow-kill")));
            assertThat(direct.out()).as("%s", direct).contains("origin says hi to /after-mid-flow-kill");
            assertThat(h.hits("/after-mid-flow-kill")).isEqualTo(1);
        }
    }

    /** The first lines of {@code bpftool link show} entries whose program is one of apptap's (link lines name no program). */
    private static List<String> linksOfApptapPrograms() throws Exception {
        Set<String> programIds = new HashSet<>();
        Matcher program = Pattern.compile("(?m)^(\\d+): .*\\bname apptap_").matcher(loadedPrograms());
        while (program.find()) {
            programIds.add(program.group(1));
        }
        return bpftool(List.of("link", "show")).lines().map(String::strip)
                .filter(line -> line.matches("\\d+: .*\\bprog (\\d+).*")
                        && programIds.contains(line.replaceAll(".*\\bprog (\\d+).*", "$1")))
                .toList();
    }

    /** {@code bpftool cgroup show <root>}: the programs attached to the cgroup-v2 root, by name. */
    private static String attachedPrograms(Path cgroup) throws Exception {
        return bpftool(List.of("cgroup", "show", cgroup.toString()));
    }

    static String loadedPrograms() throws Exception {
        return bpftool(List.of("prog", "show"));
    }

    /** bpftool lists what is attached; without it (it is not a runtime dependency) only the curl check runs. */
    static final Path BPFTOOL = List.of(Path.of("/usr/sbin/bpftool"), Path.of("/usr/bin/bpftool"), Path.of("/sbin/bpftool"))
            .stream().filter(Files::isExecutable).findFirst().orElse(null);

    static String bpftool(List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(BPFTOOL.toString());
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return text;
    }
}
