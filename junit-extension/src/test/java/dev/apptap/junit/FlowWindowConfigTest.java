package dev.apptap.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowEvictedException;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/** {@code apptap.window.flows} and {@code apptap.window.bytes}: what the engine keeps, and what a test is told. */
class FlowWindowConfigTest {

    @Test
    void aTestWhoseFlowsOutgrowTheWindowIsToldTheyWereEvictedAndHowToRaiseIt() throws Exception {
        EngineExecutionResults results = new Kit().with(Config.WINDOW_FLOWS, "2").run(ThreeRequests.class);

        results.testEvents().assertStatistics(s -> s.started(1).failed(1));
        assertThat(Kit.failures(results))
                .contains(FlowEvictedException.class.getSimpleName())
                .contains("were evicted from apptap's flow window, which keeps the newest 2 flows or 64.0 MiB of"
                        + " recorded bodies")
                .contains("apptap.window.flows and apptap.window.bytes (JUnit)");
    }

    @Test
    void aWindowOfNoFlowsIsRefusedWithASentenceNamingTheParameter() throws Exception {
        EngineExecutionResults results = new Kit().with(Config.WINDOW_FLOWS, "0").run(ThreeRequests.class);

        assertThat(Kit.failures(results)).contains("The configuration parameter apptap.window.flows is '0', but"
                + " apptap accepts a number of flows, at least 1.");
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    static class ThreeRequests {
        @Test
        void three(Apps apps, Flows flows) {
            for (int i = 0; i < 3; i++) {
                assertThat(apps.run("curl", "-sS", LocalOrigin.get().http("/" + i)).exitCode()).isZero();
            }
            // The third flow's arrival evicts the first: wait for it, then ask for them all.
            flows.awaitFirst(HttpFlow.class, f -> f.request().path().equals("/2"), Duration.ofSeconds(10));
            flows.flows();
        }
    }
}
