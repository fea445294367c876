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
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@InterceptApps(value = "python3", mode = InterceptMode.LAUNCH)
class Python3SampleTest {

    static final LocalApi API = LocalApi.start();
    static final Duration PATIENCE = Duration.ofSeconds(5);

    /** A client written with the standard library only: urllib honours HTTPS_PROXY and SSL_CERT_FILE. */
    static final String CLIENT = String.join("\n",
            "import json, sys, urllib.request",
            "items = json.load(urllib.request.urlopen(sys.argv[1], timeout=20))",
            "req = urllib.request.Request(sys.argv[2], data=json.dumps({'user': 'ann'}).encode(),",
            "                             headers={'Content-Type': 'application/json'}, method='POST')",
            "token = json.load(urllib.request.urlopen(req, timeout=20))['token']",
            "print(len(items), token)");

    @Test
    void fetchesItemsThenLogsIn(Apps apps, Flows flows) {
        AppResult python = apps.run("python3", "-c", CLIENT, API.url("/v1/items"), API.url("/v1/login"));

        assertThat(python.exitCode()).as(python.toString()).isZero();
        assertThat(python.stdout().strip()).isEqualTo("1 t-123");
        assertThat(flows).within(PATIENCE).httpFlows()
                .hasRequestsInOrder(get("/v1/items"), post("/v1/login").withJsonPointer("/user", "ann"))
                .hasSize(2)
                .allSatisfy(flow -> assertThat(flow.process().name()).startsWith("python3"));
    }

    @Test
    void trustsApptapThroughTheEnvironment(InterceptRuntime apptap) {
        assertThat(apptap.environment()).containsEntry("SSL_CERT_FILE", apptap.caBundle().toString())
                .containsEntry("HTTPS_PROXY", apptap.proxyUrl());
    }

    /** Skipped with the reason where no redirector is usable; see CurlSampleTest.Transparently. */
    @Nested
    @InterceptApps(value = "python3", mode = InterceptMode.OSPROXY)
    class Transparently {

        @Test
        void catchesPythonStartedThroughApps(Apps apps, Flows flows) {
            AppResult python = apps.run("python3", "-c", CLIENT, API.url("/v1/items"), API.url("/v1/login"));

            assertThat(python.exitCode()).as(python.toString()).isZero();
            // the flows are this test's already; python3 may run as python3.11, so no process filter is needed
            assertThat(flows).within(PATIENCE).httpFlows()
                    .hasRequestsInOrder(get("/v1/items"), post("/v1/login"));
        }
    }
}
