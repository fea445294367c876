package dev.apptap.redirector.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowStore;
import dev.apptap.proxy.redirect.InterceptScope;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.Redirector;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scopes and several engines on one machine: each engine attaches its own programs to the cgroup root, as two test
 * JVMs (Surefire forks, parallel builds) do. A scope's root here is a launcher shell this JVM starts, so that
 * "outside the scope" can be a process this JVM starts directly.
 */
class ScopeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int RUNS = 20;

    @TempDir
    Path dir;

    Harness first;
    Harness second;
    Redirector firstRedirector;
    Redirector secondRedirector;

    @BeforeEach
    void start() throws Exception {
        RootOnly.assumeRoot();
        first = new Harness(dir.resolve("first"));
        second = new Harness(dir.resolve("second"));
        // Attach order matters only where scopes overlap: the first engine's programs run first.
        firstRedirector = new LinuxRedirectorProvider().start(first.target());
        secondRedirector = new LinuxRedirectorProvider().start(second.target());
    }

    @AfterEach
    void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {secondRedirector, firstRedirector, second, first}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void aProcessOutsideTheScopeGoesDirectAndMachineWideScopeCatchesIt() throws Exception {
        Launcher launcher = Launcher.start(first, first.http4Url("/inside-"), 1);
        FlowStore.Mark mark = first.engine.flows().mark();
        firstRedirector.intercept(InterceptSpec.parse("curl"), InterceptScope.descendantsOf(launcher.pid()));

        Harness.Run outsider = first.run(curl(first.http4Url("/outside-scoped")));
        launcher.go();

        assertThat(outsider.out()).as("%s", outsider).contains("origin says hi to /outside-scoped");
        assertThat(launcher.finish()).as("the launcher's curl").isZero();
        assertThat(paths(first, mark, 1)).containsExactly("/inside-0");
        assertThat(first.hits("/outside-scoped")).isEqualTo(1);

        firstRedirector.intercept(InterceptSpec.parse("curl"), InterceptScope.MACHINE);
        Harness.Run anywhere = first.run(curl(first.http4Url("/outside-machine-wide")));

        assertThat(anywhere.out()).as("%s", anywhere).contains("origin says hi to /outside-machine-wide");
        assertThat(paths(first, mark, 2)).containsExactly("/inside-0", "/outside-machine-wide");
        assertThat(firstRedirector.describe()).contains("intercepting 'curl' machine-wide");
    }

    @Test
    void twoEnginesWithTheSameSpecEachGetExactlyTheirOwnDescendantsConnections() throws Exception {
        Launcher mine = Launcher.start(first, first.http4Url("/first-"), RUNS);
        Launcher theirs = Launcher.start(second, second.http4Url("/second-"), RUNS);
        FlowStore.Mark firstMark = first.engine.flows().mark();
        FlowStore.Mark secondMark = second.engine.flows().mark();
        firstRedirector.intercept(InterceptSpec.parse("curl"), InterceptScope.descendantsOf(mine.pid()));
        secondRedirector.intercept(InterceptSpec.parse("curl"), InterceptScope.descendantsOf(theirs.pid()));

        mine.go();
        theirs.go();

        assertThat(mine.finish()).isZero();
        assertThat(theirs.finish()).isZero();
        List<String> firstPaths = paths(first, firstMark, RUNS);
        List<String> secondPaths = paths(second, secondMark, RUNS);
        Thread.sleep(300); // a stray flow would show up by now
        assertThat(first.engine.flows().since(firstMark).flows()).hasSize(RUNS);
        assertThat(second.engine.flows().since(secondMark).flows()).hasSize(RUNS);
        assertThat(firstPaths).allMatch(p -> p.startsWith("/first-")).doesNotHaveDuplicates();
        assertThat(secondPaths).allMatch(p -> p.startsWith("/second-")).doesNotHaveDuplicates();
    }

    @Test
    void aConnectionBothEnginesWantReachesTheFirstOnceWithItsOriginalDestination() throws Exception {
        Launcher launcher = Launcher.start(first, first.http4Url("/both-"), 3);
        FlowStore.Mark firstMark = first.engine.flows().mark();
        FlowStore.Mark secondMark = second.engine.flows().mark();
        firstRedirector.intercept(InterceptSpec.parse("curl"), InterceptScope.descendantsOf(launcher.pid()));
        secondRedirector.intercept(InterceptSpec.parse("curl"), InterceptScope.MACHINE);

        launcher.go();
        assertThat(launcher.finish()).isZero();
        Harness.Run outsider = first.run(curl(first.http4Url("/second-only")));

        assertThat(outsider.out()).as("%s", outsider).contains("origin says hi to /second-only");
        assertThat(paths(first, firstMark, 3)).containsExactly("/both-0", "/both-1", "/both-2");
        assertThat(paths(second, secondMark, 1)).containsExactly("/second-only");
        Thread.sleep(300);
        assertThat(second.engine.flows().since(secondMark).flows()).as("not redirected a second time").hasSize(1);
        assertThat(first.engine.flows().since(firstMark).httpFlows())
                .allSatisfy(f -> assertThat(f.server().port()).isEqualTo(first.http4.getAddress().getPort()));
        assertThat(List.of("/both-0", "/both-1", "/both-2")).allSatisfy(p -> assertThat(first.hits(p)).isEqualTo(1));
    }

    @Test
    void anAppUsingTheEnginesExplicitProxyKeepsUsingItWhileItsProgramIsIntercepted() throws Exception {
        FlowStore.Mark mark = first.engine.flows().mark();
        firstRedirector.intercept(InterceptSpec.parse("curl"), InterceptScope.thisJvm());
        String proxy = "http://127.0.0.1:" + first.engine.explicitAddress().getPort();

        Harness.Run run = first.run(List.of("curl", "-sS", "--max-time", "20", "-x", proxy,
                first.http4Url("/through-the-explicit-proxy")));

        assertThat(run.out()).as("%s", run).contains("origin says hi to /through-the-explicit-proxy");
        assertThat(paths(first, mark, 1)).containsExactly("/through-the-explicit-proxy");
        Thread.sleep(300);
        assertThat(first.engine.flows().since(mark).httpFlows()).as("once, not once more through the transparent"
                + " listener").singleElement().satisfies(f -> assertThat(f.process().pid()).isEqualTo(run.pid()));
    }

    private static List<String> curl(String url) {
        return List.of("curl", "-sS", "--max-time", "20", url);
    }

    /** The paths of the first {@code count} complete HTTP flows since {@code mark}, in the order they began. */
    private static List<String> paths(Harness harness, FlowStore.Mark mark, int count) {
        var view = harness.engine.flows().since(mark);
        view.awaitCount(count, WAIT);
        for (Flow flow : view.flows()) {
            view.awaitFirst(f -> f.id() == flow.id() && f.isComplete(), WAIT);
        }
        return view.httpFlows().stream().map(f -> f.request().path()).collect(Collectors.toList());
    }

    /** A shell that waits for a line on stdin, then runs curl {@code runs} times: the root of a scope. */
    private record Launcher(Process process) {

        static Launcher start(Harness harness, String urlPrefix, int runs) throws Exception {
            String script = "read go; i=0; while [ $i -lt " + runs + " ]; do curl -sS -o /dev/null --max-time 20 "
                    + urlPrefix + "$i || exit 1; i=$((i+1)); done";
            return new Launcher(harness.start(List.of("sh", "-c", script)));
        }

        long pid() {
            return process.pid();
        }

        void go() throws Exception {
            OutputStream in = process.getOutputStream();
            in.write("go\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        int finish() throws Exception {
            Harness.Run run = Harness.finish(process, WAIT.multipliedBy(3));
            if (run.exit() != 0) {
                throw new AssertionError("the launcher failed: " + run);
            }
            return run.exit();
        }
    }
}
