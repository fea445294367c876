package dev.apptap.assertions;

import static dev.apptap.assertions.ApptapAssertions.get;
import static dev.apptap.assertions.ApptapAssertions.post;
import static dev.apptap.assertions.Fixtures.expectAssertionError;
import static dev.apptap.assertions.Fixtures.http;
import static org.assertj.core.api.BDDAssertions.then;

import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import org.junit.jupiter.api.Test;

class ApptapSoftAssertionsTest {

    @Test
    void should_collect_every_failure_before_reporting() {
        // GIVEN
        FlowStore store = new FlowStore();
        HttpFlow health = http(1, "GET", "https://api.example.test/v1/health").respond(200, "ok").build();
        store.publish(health);
        ApptapSoftAssertions softly = new ApptapSoftAssertions();
        // WHEN
        softly.assertThat(store.view()).hasRequest(post("/v1/login")).hasRequest(get("/v1/health"));
        softly.assertThat(health).hasStatus(503).hasMethod("GET");
        softly.assertThat(health).hasPath("/v2/health");
        AssertionError error = expectAssertionError(softly::assertAll);
        // THEN
        then(softly.errorsCollected()).hasSize(3);
        then(softly.errorsCollected().get(0)).hasMessageContaining("Expecting a flow matching:");
        then(softly.errorsCollected().get(1)).hasMessageContaining("to have status:");
        then(softly.errorsCollected().get(2)).hasMessageContaining("to have path:");
        then(error).hasMessageContaining("Multiple Failures (3 failures)");
    }

    @Test
    void should_pass_when_nothing_failed() {
        FlowStore store = new FlowStore();
        store.publish(http(1, "GET", "https://api.example.test/v1/health").respond(200, "ok").build());
        ApptapSoftAssertions softly = new ApptapSoftAssertions();
        softly.assertThat(store.view()).hasRequest(get("/v1/health")).fromProcess("curl").hasSize(1);
        softly.assertAll();
    }
}
