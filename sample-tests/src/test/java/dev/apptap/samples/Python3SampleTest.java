package dev.apptap.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.junit.AppResult;
import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.InterceptMode;
import dev.apptap.junit.InterceptRuntime;
import dev.apptap.proxy.flow.Flows;
import dev.apptap.proxy.flow.HttpFlow;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@InterceptApps(value = "python3", mode = InterceptMode.LAUNCH)
class Python3SampleTest {

    static final LocalApi API = LocalApi.start();

    static final String CLIENT = String.join("\n",
            "import json, sys, urllib.request",
            "items = json.load(urllib.request.urlopen(sys.argv[1], timeout=20))",
            "req = urllib.request.Request(sys.argv[2], data=b'user=ann', method='POST')",
            "token = json.load(urllib.request.urlopen(req, timeout=20))['token']",
            "print(len(items), token)");

    @Test
    void fetchesItemsThenLogsIn(Apps apps, Flows flows) {
        AppResult python = apps.run("python3", "-c", CLIENT, API.url("/v1/items"), API.url("/v1/login"));

        assertThat(python.exitCode()).as(python.toString()).isZero();
        assertThat(python.stdout().strip()).isEqualTo("1 t-123");
        flows.awaitCount(2, Duration.ofSeconds(5));
        List<HttpFlow> requests = flows.httpFlows();
        assertThat(requests).extracting(f -> f.request().method() + " " + f.request().path())
                .containsExactly("GET /v1/items", "POST /v1/login");
        assertThat(requests).allSatisfy(f -> assertThat(f.process().name()).startsWith("python3"));
    }

    @Test
    void trustsApptapThroughTheEnvironment(InterceptRuntime apptap) {
        assertThat(apptap.environment()).containsEntry("SSL_CERT_FILE", apptap.caBundle().toString())
                .containsEntry("HTTPS_PROXY", apptap.proxyUrl());
    }

    @Nested
    @InterceptApps(value = "python3", mode = InterceptMode.OSPROXY)
    class Transparently {

        @Test
        void catchesPythonStartedThroughApps(Apps apps, Flows flows) {
            AppResult python = apps.run("python3", "-c", CLIENT, API.url("/v1/items"), API.url("/v1/login"));

            assertThat(python.exitCode()).as(python.toString()).isZero();
            assertThat(flows.awaitCount(2, Duration.ofSeconds(5))).hasSize(2);
        }
    }
}
