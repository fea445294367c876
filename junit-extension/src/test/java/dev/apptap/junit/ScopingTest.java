package dev.apptap.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.testkit.engine.EngineExecutionResults;

class ScopingTest {

    @Test
    void eachTestSeesOnlyItsOwnFlows() throws Exception {
        EngineExecutionResults results = new Kit().run(Sequential.class);

        assertThat(results.testEvents().failed().count()).as(Kit.failures(results)).isZero();
        results.testEvents().assertStatistics(s -> s.started(4).succeeded(4));
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class Sequential {

        @Test
        @Order(1)
        void first(Apps apps, Flows flows) {
            assertThat(apps.run("curl", "-sS", LocalOrigin.get().https("/a")).exitCode()).isZero();
            assertThat(Scenarios.paths(flows, 1)).containsExactly("/a");
        }

        @Test
        @Order(2)
        void secondDoesNotSeeTheFirstTestsFlows(Apps apps, Flows flows) {
            assertThat(flows.flows()).isEmpty();
            assertThat(apps.run("curl", "-sS", LocalOrigin.get().https("/b")).exitCode()).isZero();
            assertThat(Scenarios.paths(flows, 1)).containsExactly("/b");
        }

        @Test
        @Order(3)
        void descendantsOfLaunchedProcessesCount(Apps apps, Flows flows) {
            AppResult shell = apps.run("sh", "-c", "curl -sS " + LocalOrigin.get().https("/c") + " && python3 -c "
                    + "\"import urllib.request; urllib.request.urlopen('" + LocalOrigin.get().https("/d") + "').read()\"");
            assertThat(shell.exitCode()).as(shell.toString()).isZero();
            assertThat(Scenarios.paths(flows, 2)).containsExactly("/c", "/d");
            // python3 is often a link to python3.11: the name is the executable's
            assertThat(flows.httpFlows()).extracting(f -> f.process().name())
                    .satisfiesExactly(n -> assertThat(n).isEqualTo("curl"), n -> assertThat(n).startsWith("python3"));
        }

        @Test
        @Order(4)
        void processesTheTestDidNotStartAreInvisibleUntilTracked(InterceptRuntime runtime, Apps apps, Flows flows)
                throws Exception {
            Process stranger = curl(runtime, "/stranger");
            assertThat(stranger.waitFor(20, TimeUnit.SECONDS)).isTrue();
            Process adopted = curl(runtime, "/adopted");
            apps.track(adopted.toHandle());
            assertThat(adopted.waitFor(20, TimeUnit.SECONDS)).isTrue();

            HttpFlow only = Scenarios.single(flows);
            assertThat(only.request().path()).isEqualTo("/adopted");
            assertThat(flows.awaitAllComplete(Duration.ofSeconds(1))).hasSize(1);
        }

        private static Process curl(InterceptRuntime runtime, String path) throws Exception {
            ProcessBuilder builder = new ProcessBuilder("curl", "-sS", "-o", "/dev/null", LocalOrigin.get().https(path));
            builder.environment().clear();
            builder.environment().putAll(runtime.environment());
            return builder.start();
        }
    }
}
