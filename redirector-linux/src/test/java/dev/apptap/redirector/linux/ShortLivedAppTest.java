package dev.apptap.redirector.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.ProcessInfo;
import dev.apptap.proxy.origin.ProcessResolver;
import dev.apptap.proxy.origin.ProcfsProcessResolver;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.Redirector;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apps that exit right after connecting: the kernel recorded who connected, so the flow keeps its pid and a name even
 * when the process is gone before the engine looks at it. The engine's process lookups here wait until the test has
 * seen its app exit, which a loaded machine does by chance and this test does every time.
 */
class ShortLivedAppTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    static Path dir;

    static final AfterTheAppExits processes = new AfterTheAppExits();
    static Harness h;
    static Redirector redirector;

    @BeforeAll
    static void start() throws Exception {
        RootOnly.assumeRoot();
        h = new Harness(dir, builder -> builder.processes(processes));
        redirector = new LinuxRedirectorProvider().start(h.target());
    }

    @AfterAll
    static void stop() {
        if (redirector != null) {
            redirector.close();
        }
        if (h != null) {
            h.close();
        }
    }

    @Test
    void anAppThatExitsBeforeTheEngineLooksItUpKeepsItsPidAndKernelName() throws Exception {
        redirector.intercept(InterceptSpec.parse("python3"));
        FlowStore.Mark mark = h.engine.flows().mark();
        int port = h.http4.getAddress().getPort();
        CountDownLatch appGone = processes.holdLookups();

        Harness.Run run = h.run(List.of("python3", "-c", "import os, socket\n"
                + "s = socket.create_connection(('127.0.0.1', " + port + "))\n"
                + "s.sendall(b'GET /gone-at-once HTTP/1.1\\r\\nHost: 127.0.0.1:" + port + "\\r\\n\\r\\n')\n"
                + "os._exit(0)\n"));
        appGone.countDown();

        assertThat(run.exit()).as("%s", run).isZero();
        HttpFlow flow = h.engine.flows().since(mark).awaitFirst(HttpFlow.class,
                f -> f.request().path().equals("/gone-at-once"), WAIT);
        assertThat(flow.process().pid()).as("the pid the kernel recorded at connect()").isEqualTo(run.pid());
        assertThat(flow.process().name()).as("the kernel's short name, since /proc has nothing left").isEqualTo("python3");
        assertThat(flow.process().executable()).as("unknowable once the process is gone").isEmpty();
    }

    @Test
    void aRunningAppIsStillDescribedFromProc() throws Exception {
        redirector.intercept(InterceptSpec.parse("curl"));
        FlowStore.Mark mark = h.engine.flows().mark();

        Harness.Run run = h.run(List.of("curl", "-sS", "--max-time", "20", h.http4Url("/still-running")));

        assertThat(run.out()).as("%s", run).contains("origin says hi to /still-running");
        HttpFlow flow = h.engine.flows().since(mark).awaitFirst(HttpFlow.class,
                f -> f.request().path().equals("/still-running") && f.isComplete(), WAIT);
        assertThat(flow.process().pid()).isEqualTo(run.pid());
        assertThat(flow.process().name()).isEqualTo("curl");
        assertThat(flow.process().executable()).endsWith("/curl");
        assertThat(flow.process().commandLine()).contains(h.http4Url("/still-running"));
    }

    /** The engine's usual resolver, whose lookups wait (while held) until the test's app has exited and been reaped. */
    static final class AfterTheAppExits implements ProcessResolver {
        private final ProcfsProcessResolver procfs = new ProcfsProcessResolver();
        private volatile CountDownLatch appGone = new CountDownLatch(0);

        CountDownLatch holdLookups() {
            appGone = new CountDownLatch(1);
            return appGone;
        }

        @Override
        public ProcessInfo resolve(InetSocketAddress app, InetSocketAddress peer) {
            awaitAppGone();
            return procfs.resolve(app, peer);
        }

        @Override
        public ProcessInfo describe(long pid) {
            awaitAppGone();
            return procfs.describe(pid);
        }

        private void awaitAppGone() {
            try {
                appGone.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
