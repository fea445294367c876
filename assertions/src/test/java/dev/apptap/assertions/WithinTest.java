package dev.apptap.assertions;

import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.assertions.ApptapAssertions.atLeast;
import static dev.apptap.assertions.ApptapAssertions.get;
import static dev.apptap.assertions.Fixtures.expectAssertionError;
import static dev.apptap.assertions.Fixtures.http;
import static org.assertj.core.api.BDDAssertions.then;

import dev.apptap.flow.FlowStore;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WithinTest {

    final FlowStore store = new FlowStore();
    final Flows flows = store.view();
    final ScheduledExecutorService app = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopApp() {
        app.shutdownNow();
    }

    @Test
    void should_pass_once_the_flow_is_published_from_another_thread() {
        // GIVEN
        store.publish(http(1, "GET", "https://api.example.test/v1/health").respond(200, "ok").build());
        app.schedule(() -> store.publish(http(2, "GET", "https://api.example.test/v1/ping").respond(200, "").build()),
                     150, TimeUnit.MILLISECONDS);
        // WHEN
        long start = System.nanoTime();
        assertThat(flows).within(Duration.ofSeconds(5)).hasRequest(get("/v1/ping")).hasSize(2);
        // THEN
        then(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(100), Duration.ofSeconds(4));
    }

    @Test
    void should_pass_an_at_least_count_while_a_poller_keeps_polling() {
        // GIVEN an app that polls every 20 ms, forever
        long[] id = {0};
        app.scheduleAtFixedRate(() -> store.publish(http(++id[0], "GET", "https://api.example.test/v1/status")
                                                            .respond(200, "").build()), 0, 20, TimeUnit.MILLISECONDS);
        // WHEN / THEN: holds once three polls came, and still holds after the fourth
        assertThat(flows).within(Duration.ofSeconds(5)).hasRequest(get("/v1/status"), atLeast(3));
        assertThat(flows).within(Duration.ofSeconds(5)).hasRequest(get("/v1/status"), atLeast(4))
                         .hasRequest(get("/v1/status"), atLeast(3));
    }

    @Test
    void should_wait_for_a_navigated_flow_to_get_its_response() {
        // GIVEN
        HttpFlow started = http(1, "GET", "https://api.example.test/v1/slow").running().build();
        store.publish(started);
        app.schedule(() -> store.publish(http(1, "GET", "https://api.example.test/v1/slow").respond(201, "").build()),
                     100, TimeUnit.MILLISECONDS);
        // WHEN / THEN
        assertThat(flows).within(Duration.ofSeconds(5)).singleElement().hasStatus(201).isComplete();
    }

    @Test
    void should_keep_filters_live_while_waiting() {
        // GIVEN
        app.schedule(() -> store.publish(http(1, "GET", "https://cdn.example.test/a.js").build()),
                     50, TimeUnit.MILLISECONDS);
        app.schedule(() -> store.publish(http(2, "GET", "https://api.example.test/v1").build()),
                     100, TimeUnit.MILLISECONDS);
        // WHEN / THEN
        assertThat(flows).within(Duration.ofSeconds(5)).toHost("api.example.test").singleElement().hasPath("/v1");
    }

    @Test
    void should_fail_with_the_last_message_and_what_arrived_meanwhile() {
        // GIVEN
        store.publish(http(1, "GET", "https://api.example.test/v1/health").respond(200, "ok").build());
        app.schedule(() -> store.publish(http(2, "GET", "https://api.example.test/v1/pong").respond(404, "").build()),
                     50, TimeUnit.MILLISECONDS);
        // WHEN
        AssertionError error = expectAssertionError(
                () -> assertThat(flows).within(Duration.ofMillis(400)).hasRequest(get("/v1/ping")));
        // THEN
        then(error).hasMessage("""

                Expecting a flow matching:
                  GET /v1/ping
                but no flow matched it.
                The closest flows:
                  #2 curl GET https://api.example.test/v1/pong → 404 (0 B)
                      method  GET
                    ✗ path    expected:</v1/ping> but was:</v1/pong>
                  #1 curl GET https://api.example.test/v1/health → 200 (2 B)
                      method  GET
                    ✗ path    expected:</v1/ping> but was:</v1/health>
                All 2 flows of the test:
                  #1 curl GET https://api.example.test/v1/health → 200 (2 B)
                  #2 curl GET https://api.example.test/v1/pong → 404 (0 B)
                Waited 400 ms; this flow arrived or changed meanwhile:
                  #2 curl GET https://api.example.test/v1/pong → 404 (0 B)""");
    }

    @Test
    void should_say_when_nothing_arrived_meanwhile() {
        // WHEN
        AssertionError error = expectAssertionError(() -> assertThat(flows).within(Duration.ofMillis(100)).hasSize(1));
        // THEN
        then(error).hasMessage("""

                Expected size: 1 but was: 0 in:
                []
                Waited 100 ms; no flow arrived or changed meanwhile.""");
    }

    @Test
    void should_keep_the_description_while_waiting() {
        // WHEN
        AssertionError error = expectAssertionError(
                () -> assertThat(flows).as("login flows").within(Duration.ofMillis(50)).isNotEmpty());
        // THEN
        then(error).hasMessageStartingWith("[login flows] ");
    }
}
