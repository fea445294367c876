package dev.apptap.samples;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.assertions.ApptapAssertions.anyRequestTo;
import static dev.apptap.assertions.ApptapAssertions.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import dev.apptap.junit.AppResult;
import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.Stubs;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * curl believes it talks to {@code https://api.example.test}; apptap decrypts the request and hands it to a local
 * WireMock that plays the backend, over plain HTTP on 127.0.0.1. WireMock's stubs describe the backend; apptap's
 * flows show what the app sent and how it was answered.
 */
@InterceptApps(value = "curl", offline = true)
class RouteToWireMockSampleTest {

    static WireMockServer backend;

    @BeforeAll
    static void startBackend() {
        backend = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
        backend.start();
    }

    @AfterAll
    static void stopBackend() {
        backend.stop();
    }

    @BeforeEach
    void routeTheApiToWireMock(Stubs stubs) {
        backend.resetAll();
        stubs.on(anyRequestTo("api.example.test")).forwardTo("127.0.0.1", backend.port());
    }

    @Test
    void curlTalksToWireMock(Apps apps, Flows flows) {
        backend.stubFor(WireMock.get("/v1/items").willReturn(okJson("[{\"id\":7,\"name\":\"lamp\"}]")));

        AppResult curl = apps.run("curl", "-sS", "https://api.example.test/v1/items");

        assertThat(curl.stdout()).as(curl.toString()).isEqualTo("[{\"id\":7,\"name\":\"lamp\"}]");
        assertThat(flows).within(Duration.ofSeconds(5)).httpFlows().hasRequest(get("https://api.example.test/v1/items"))
                .singleElement().usedTls().hasStatus(200)
                .matches(flow -> ((HttpFlow) flow).handling().kind() == HttpFlow.Handling.Kind.ROUTED,
                        "routed to WireMock");
        backend.verify(1, getRequestedFor(urlEqualTo("/v1/items")));
    }

    @Test
    void wireMockFaultsReachTheApp(Apps apps, Flows flows) {
        backend.stubFor(WireMock.get("/v1/items").willReturn(aResponse().withStatus(503)
                .withHeader("Retry-After", "1")));

        AppResult curl = apps.run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                "https://api.example.test/v1/items");

        assertThat(curl.stdout()).as(curl.toString()).isEqualTo("503");
        assertThat(flows).within(Duration.ofSeconds(5)).httpFlows().singleElement()
                .hasStatus(503).hasResponseHeader("retry-after", "1");
    }
}
