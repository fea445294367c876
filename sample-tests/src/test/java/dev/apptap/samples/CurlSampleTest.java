package dev.apptap.samples;

import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.assertions.ApptapAssertions.get;
import static dev.apptap.assertions.ApptapAssertions.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.junit.AppResult;
import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.InterceptMode;
import dev.apptap.junit.InterceptRuntime;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@InterceptApps(value = "curl", mode = InterceptMode.LAUNCH)
class CurlSampleTest {

    static final LocalApi API = LocalApi.start();
    static final Duration PATIENCE = Duration.ofSeconds(5);

    @Test
    void getsJson(Apps apps, Flows flows) {
        AppResult curl = apps.run("curl", "-sS", "-H", "Accept: application/json", API.url("/v1/items"));

        assertThat(curl.stdout()).as(curl.toString()).contains("lamp");
        assertThat(flows).within(PATIENCE).httpFlows().hasRequest(get(API.url("/v1/items")).withHeader("accept", "application/json"))
                .singleElement()
                .fromProcess("curl")
                .usedTls()
                .hasStatus(200)
                .hasResponseHeader("content-type", "application/json");
    }

    @Test
    void postsJson(Apps apps, Flows flows) {
        AppResult curl = apps.run("curl", "-sS", "--json", "{\"user\":\"ann\",\"password\":\"secret\"}",
                API.url("/v1/login"));

        assertThat(curl.stdout()).as(curl.toString()).contains("t-123");
        assertThat(flows).within(PATIENCE).httpFlows().hasRequest(post("/v1/login")
                .withHeader("content-type", "application/json")
                .withJsonPointer("/user", "ann"));
    }

    /**
     * apptap asks the server first and offers curl what it speaks: an h2 server (nghttpd here) gets h2 end to end.
     * A stub alone would be answered over HTTP/1.1, the protocol routes relay.
     */
    @Test
    void speaksHttp2(Apps apps, Flows flows) {
        String ping = LocalH2Api.start().url("/v1/ping");

        AppResult curl = apps.run("curl", "-sS", "--http2", "-w", " %{http_version}", ping);

        assertThat(curl.stdout()).as(curl.toString()).isEqualTo("{\"pong\":true} 2");
        assertThat(flows).within(PATIENCE).httpFlows().hasRequest(get(ping))
                .singleElement()
                .hasAlpn("h2")
                .hasStatus(200)
                .matches(flow -> ((HttpFlow) flow).request().version().equals("HTTP/2"), "spoke HTTP/2");
    }

    @Test
    void followsRedirects(Apps apps, Flows flows) {
        AppResult curl = apps.run("curl", "-sS", "-L", API.url("/v1/old-items"));

        assertThat(curl.stdout()).as(curl.toString()).contains("lamp");
        assertThat(flows).within(PATIENCE).httpFlows()
                .hasRequestsInOrder(get("/v1/old-items"), get("/v1/items"))
                .hasSize(2);
        assertThat(flows).httpFlows().first().hasStatus(301).hasResponseHeader("location", "/v1/items");
    }

    @Test
    void uploadsAFile(Apps apps, Flows flows, @TempDir Path directory) throws Exception {
        Path order = Files.writeString(directory.resolve("order.json"), "{\"item\":7,\"quantity\":2}");

        AppResult curl = apps.run("curl", "-sS", "-H", "Content-Type: application/json", "-d", "@" + order,
                API.url("/v1/orders"));

        assertThat(curl.stdout()).as(curl.toString()).contains("\"id\":42");
        assertThat(flows).within(PATIENCE).httpFlows().hasRequest(post("/v1/orders").withJsonPointer("/quantity", 2))
                .singleElement()
                .hasRequestBody("{\"item\":7,\"quantity\":2}")
                .hasStatus(201);
    }

    /** apptap.timeout (30 s in junit-platform.properties) as the wait, instead of a duration of the test's own. */
    @Test
    void waitsAsLongAsConfigured(Apps apps, Flows flows, InterceptRuntime apptap) {
        apps.run("curl", "-sS", "-o", "/dev/null", API.url("/v1/items"));

        apptap.awaitThat(flows).hasRequest(get("/v1/items"));
    }

    /**
     * OSPROXY catches curl even though the test starts it without apptap's help. Without a usable redirector
     * (apptap-redirector-linux on the class path, and root or sudo -n), these tests are skipped with the reason.
     */
    @Nested
    @InterceptApps(value = "curl", mode = InterceptMode.OSPROXY)
    class Transparently {

        @Test
        void catchesCurlStartedByHand(Flows flows, InterceptRuntime apptap) throws Exception {
            // apptap intercepts curl however it was started; curl still has to trust apptap's CA
            ProcessBuilder started = new ProcessBuilder("curl", "-sS", "-o", "/dev/null", API.url("/v1/items"));
            started.environment().putAll(apptap.environment());
            Process curl = started.start();
            assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();

            assertThat(flows).within(PATIENCE).httpFlows().hasRequest(get(API.url("/v1/items")))
                    .singleElement()
                    .matches(flow -> flow.process().pid() == curl.pid(), "came from the curl this test started");
        }

        @Test
        void postsJsonThroughApps(Apps apps, Flows flows) {
            apps.run("curl", "-sS", "--json", "{\"user\":\"ann\"}", API.url("/v1/login"));

            assertThat(flows).within(PATIENCE).httpFlows().fromProcess("curl").hasRequest(post("/v1/login").withJsonPointer("/user", "ann"));
        }
    }
}
