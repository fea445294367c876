package dev.apptap.samples;

import static dev.apptap.assertions.ApptapAssertions.*;
import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.junit.Stubs.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.apptap.assertions.RequestPattern;
import dev.apptap.junit.AppResult;
import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.Stubs;
import dev.apptap.flow.Flows;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A request is described once and used for everything: the stub that answers it, the check that it was made, how
 * often, and the explanation when it was not. Both static imports are on demand and share no name.
 *
 * <p>curl plays a device that reports readings; its JSON carries more than the test cares about, in its own order,
 * so the pattern holds it leniently and picks the reading it cares about with JSONPath.
 */
@InterceptApps(value = "curl", offline = true)
class OneRequestPatternSampleTest {

    static final Duration PATIENCE = Duration.ofSeconds(5);
    static final String URL = "https://telemetry.example.test/v1/heartbeat";

    static final RequestPattern HEARTBEAT = post(URL)
            .withHeader("Content-Type", "application/json")
            .withJsonBodyLenient("{\"device\":{\"id\":\"d-7\"},\"tags\":[\"boiler-room\",\"basement\"]}")
            .withJsonPath("$.readings[?(@.celsius > 60)].sensor", "boiler");

    @Test
    void onePatternStubsTheHeartbeatAndCountsIt(Apps apps, Stubs stubs, Flows flows) {
        stubs.on(HEARTBEAT).respond(respondJson(202, "{\"ok\":true}"));

        AppResult curl = apps.run(heartbeats("d-7", 1, 2, 3));

        assertThat(curl.stdout()).as(curl.toString()).isEqualTo("{\"ok\":true}".repeat(3));
        // A poller's count only grows: "at least 2" holds once two arrived, whatever comes after.
        assertThat(flows).within(PATIENCE).hasRequest(HEARTBEAT, atLeast(2))
                .hasRequest(HEARTBEAT, between(3, 3))
                .hasRequest(HEARTBEAT.withJsonPath("$.seq", 3), exactly(1))
                .doesNotHaveRequest(HEARTBEAT.withJsonPointer("/seq", 4));
    }

    @Test
    void aHeartbeatThePatternMissesIsExplainedByTheSameCriteria(Apps apps, Stubs stubs, Flows flows) {
        stubs.on(HEARTBEAT).respond(respondJson(202, "{\"ok\":true}"));

        AppResult curl = apps.run(heartbeats("d-8", 1));

        // The engine's 502 names the stub that came closest and the field that kept it from matching...
        assertThat(curl.stdout()).as(curl.toString())
                .contains("apptap is offline and no stub matched POST " + URL)
                .contains("JSON body: expected holding {\"device\":{\"id\":\"d-7\"}");
        // ...and the assertion's near miss is the same comparison, field by field.
        AssertionError error = catchThrowableOfType(AssertionError.class,
                () -> assertThat(flows).within(PATIENCE).hasRequest(HEARTBEAT));
        assertThat(error).hasMessageContaining("""
                The closest flow:
                """.strip())
                .hasMessageContaining("    ✗ JSON body ")
                .hasMessageContaining("      JSON $.readings[?(@.celsius > 60)].sensor  \"boiler\"");
    }

    /** One curl process, one POST per sequence number, like a device that reports on a timer. */
    private static String[] heartbeats(String device, int... seqs) {
        List<String> command = new ArrayList<>(List.of("curl"));
        for (int i = 0; i < seqs.length; i++) {
            if (i > 0) {
                command.add("--next");
            }
            command.addAll(List.of("-sS", "-H", "Content-Type: application/json", "-d", """
                    {"seq":%d,"tags":["basement","boiler-room"],"device":{"fw":"1.2","id":"%s"},
                     "readings":[{"sensor":"attic","celsius":21.5},{"sensor":"boiler","celsius":64}]}"""
                    .formatted(seqs[i], device), URL));
        }
        return command.toArray(String[]::new);
    }
}
