package dev.apptap.samples;

import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.assertions.ApptapAssertions.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.InterceptMode;
import dev.apptap.flow.Flows;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * What a user sees when the request a test expects never comes: the app logged in with GET instead of POST. The
 * failing test runs inside this one (through JUnit's EngineTestKit), so that the message itself can be checked.
 */
class FailureMessageSampleTest {

    static final LocalApi API = LocalApi.start();

    @Test
    void anExpectedRequestThatNeverCameShowsTheNearestMissesAndEveryFlow() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .configurationParameters(Map.of("apptap.ca.dir", "target/apptap-ca",
                        "apptap.upstream.trust", "target/local-api-ca.pem", "apptap.har", "never"))
                .selectors(selectClass(LogsInWithTheWrongMethod.class))
                .execute();

        Event failed = results.testEvents().failed().stream().findFirst().orElseThrow();
        Throwable failure = failed.getRequiredPayload(TestExecutionResult.class)
                .getThrowable().orElseThrow();
        // Only the port and the timing change from run to run.
        String message = failure.getMessage().replace(":" + API.port() + "/", ":<port>/")
                .replaceAll("\\d+ ms\\)", "<t> ms)");
        assertThat(message).isEqualTo("""

                Expecting a flow matching:
                  POST /v1/login
                but no flow matched it.
                The closest flow:
                  #1 curl GET https://api.example.test:<port>/v1/login?user=ann → 401 (24 B, <t> ms)
                    ✗ method  expected:<POST> but was:<GET>
                      path    /v1/login
                The only flow of the test:
                  #1 curl GET https://api.example.test:<port>/v1/login?user=ann → 401 (24 B, <t> ms)
                Waited 1 second; no flow arrived or changed meanwhile.""");
        // The report gets the same flows as a table, for the CI page.
        assertThat(results.allEvents().reportingEntryPublished().stream()
                .flatMap(e -> e.getPayload(ReportEntry.class).stream())
                .map(r -> r.getKeyValuePairs().get("apptap.flows"))
                .filter(Objects::nonNull))
                .singleElement().asString()
                .startsWith("apptap recorded 1 flow during this test (LAUNCH mode):\n  #1  pid ")
                .contains("curl GET " + API.url("/v1/login?user=ann") + " → 401");
    }

    /** The test a user wrote; it fails on purpose. */
    @InterceptApps(value = "curl", mode = InterceptMode.LAUNCH)
    static class LogsInWithTheWrongMethod {

        @Test
        void logsIn(Apps apps, Flows flows) {
            apps.run("curl", "-sS", API.url("/v1/login?user=ann"));

            assertThat(flows).within(Duration.ofSeconds(1)).hasRequest(post("/v1/login"));
        }
    }
}
