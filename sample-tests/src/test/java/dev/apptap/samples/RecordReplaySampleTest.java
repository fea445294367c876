package dev.apptap.samples;

import static dev.apptap.assertions.ApptapAssertions.*;
import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.junit.Stubs.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import dev.apptap.junit.AppResult;
import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.Stubs;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A shop's API answered from a HAR a browser saved (Firefox's "Save all as HAR"): no server runs, and nothing leaves
 * the machine. Recording one of your own is {@code @InterceptApps(harFile = "src/test/resources/har/shop.har")} on a
 * run against the real servers, or {@code apptap run --har shop.har -- app}.
 */
@InterceptApps(value = {"curl", "python3"}, replay = "src/test/resources/har/shop.har")
class RecordReplaySampleTest {

    static final Duration PATIENCE = Duration.ofSeconds(5);

    @Test
    void curlPollsAnOrderUntilItShips(Apps apps) {
        String order = "https://shop.example.test/v1/orders/17";

        AppResult first = apps.run("curl", "-sS", order);
        AppResult second = apps.run("curl", "-sS", order);
        AppResult third = apps.run("curl", "-sS", order);

        // repeated requests get the recorded answers in order, then the last one again
        assertThat(first.stdout()).as(first.toString()).isEqualTo("{\"id\":17,\"state\":\"packing\"}");
        assertThat(second.stdout()).isEqualTo("{\"id\":17,\"state\":\"shipped\"}");
        assertThat(third.stdout()).isEqualTo("{\"id\":17,\"state\":\"shipped\"}");
    }

    @Test
    void python3PlacesAnOrderWithTheRecordedBody(Apps apps, Flows flows) {
        AppResult python = apps.run("python3", "-c", """
                import json, urllib.request
                body = json.dumps({"qty": 1, "sku": "lamp"}).encode()   # key order and spacing differ from the recording
                r = urllib.request.urlopen(urllib.request.Request("https://shop.example.test/v1/orders", data=body,
                                                                  headers={"Content-Type": "application/json"}))
                print(r.status, r.read().decode())
                """);

        assertThat(python.stdout().strip()).as(python.toString()).isEqualTo("201 {\"id\":18,\"state\":\"new\"}");
        assertThat(flows).within(PATIENCE).httpFlows().hasRequest(post("https://shop.example.test/v1/orders"), exactly(1));
    }

    @Test
    void anUnrecordedRequestGets502NamingTheClosestRecordedOne(Apps apps) {
        AppResult curl = apps.run("curl", "-sS", "-w", "|%{http_code}", "https://shop.example.test/v1/orders/71");

        assertThat(curl.stdout()).as(curl.toString())
                .contains("recorded no request like GET https://shop.example.test/v1/orders/71")
                .contains("path: expected /v1/orders/17 but was /v1/orders/71")
                .endsWith("|502");
    }

    @Test
    void aStubWinsOverTheRecordingForARetryTest(Apps apps, Stubs stubs, Flows flows) {
        stubs.on(get("https://shop.example.test/v1/orders/17"))
                .respond(respondInSequence(respond(503), respondJson(200, "{\"id\":17,\"state\":\"back\"}")));

        AppResult curl = apps.run("curl", "-sS", "--retry", "2", "--retry-delay", "1",
                "https://shop.example.test/v1/orders/17");

        assertThat(curl.stdout()).as(curl.toString()).isEqualTo("{\"id\":17,\"state\":\"back\"}");
        assertThat(flows).within(PATIENCE).httpFlows().hasRequest(get("https://shop.example.test/v1/orders/17"), exactly(2));
        assertThat(flows.httpFlows().stream().map(HttpFlow::status).toList()).containsExactly(503, 200);
    }
}
