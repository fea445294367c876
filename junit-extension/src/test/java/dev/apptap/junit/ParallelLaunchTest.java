package dev.apptap.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.Flows;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;

class ParallelLaunchTest {

    @Test
    void twoLaunchTestsRunningAtOnceSeeOnlyTheirOwnFlows() throws Exception {
        TwoAtOnce.barrier = new CyclicBarrier(2);
        EngineExecutionResults results = new Kit()
                .with("junit.jupiter.execution.parallel.enabled", "true")
                .with("junit.jupiter.execution.parallel.mode.default", "concurrent")
                .with("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .with("junit.jupiter.execution.parallel.config.fixed.parallelism", "2")
                .run(TwoAtOnce.class);

        assertThat(results.testEvents().failed().count()).as(Kit.failures(results)).isZero();
        results.testEvents().assertStatistics(s -> s.started(2).succeeded(2));
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    static class TwoAtOnce {
        static CyclicBarrier barrier;

        @Test
        void left(Apps apps, Flows flows) throws Exception {
            fetchWhileTheOtherDoesToo(apps, flows, "/left");
        }

        @Test
        void right(Apps apps, Flows flows) throws Exception {
            fetchWhileTheOtherDoesToo(apps, flows, "/right");
        }

        private static void fetchWhileTheOtherDoesToo(Apps apps, Flows flows, String path) throws Exception {
            // Both tests are inside their windows before either app runs, and both apps ran before either reads.
            barrier.await(30, TimeUnit.SECONDS);
            AppResult curl = apps.run("curl", "-sS", LocalOrigin.get().https(path));
            barrier.await(30, TimeUnit.SECONDS);
            assertThat(curl.exitCode()).as(curl.toString()).isZero();
            assertThat(Scenarios.paths(flows, 1)).containsExactly(path);
            assertThat(flows.httpFlows()).singleElement().extracting(f -> f.process().pid()).isEqualTo(curl.pid());
        }
    }
}
