package dev.apptap.samples;

import static dev.apptap.assertions.ApptapAssertions.*;
import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.junit.Stubs.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.assertions.RequestPattern;
import dev.apptap.junit.AppResult;
import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.Stubs;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * No API server at all: stubs answer curl and python3, and {@code offline = true} makes sure nothing else leaves the
 * machine. The mode is AUTO: OSPROXY where a redirector is usable, LAUNCH elsewhere; the stubs work the same.
 *
 * <p>One request pattern serves the stub and the assertion: {@code ApptapAssertions.*} brings the requests and
 * {@code assertThat}, {@code Stubs.*} the answers, and the two import on demand side by side.
 */
@InterceptApps(value = {"curl", "python3"}, offline = true)
class OfflineStubsSampleTest {

    static final Duration PATIENCE = Duration.ofSeconds(5);

    @Test
    void curlGetsTheStubbedItems(Apps apps, Stubs stubs, Flows flows) {
        RequestPattern items = get("https://api.example.test/v1/items");
        stubs.on(items).respond(respondJson(200, Map.of("items", List.of("lamp", "desk"))));

        AppResult curl = apps.run("curl", "-sS", "https://api.example.test/v1/items");

        assertThat(curl.stdout()).as(curl.toString()).isEqualTo("{\"items\":[\"lamp\",\"desk\"]}");
        assertThat(flows).within(PATIENCE).httpFlows().hasRequest(items)
                .singleElement().hasStatus(200).matches(HttpFlow.class::isInstance)
                .matches(flow -> ((HttpFlow) flow).isStubbed(), "answered by a stub");
    }

    @Test
    void pythonLogsInAgainstAStub(Apps apps, Stubs stubs, Flows flows) {
        // The body criterion also makes apptap wait for the body, so the flow records all of it.
        RequestPattern login = post("https://auth.example.test/v1/login").withJsonPointer("/user", "ann");
        stubs.on(login).respond(respondJson(200, "{\"token\":\"t-stub\"}"));
        String client = String.join("\n",
                "import json, urllib.request",
                "req = urllib.request.Request('https://auth.example.test/v1/login', method='POST',",
                "    data=json.dumps({'user': 'ann'}).encode(), headers={'Content-Type': 'application/json'})",
                "print(json.load(urllib.request.urlopen(req, timeout=20))['token'])");

        AppResult python = apps.run("python3", "-c", client);

        assertThat(python.stdout().strip()).as(python.toString()).isEqualTo("t-stub");
        assertThat(flows).within(PATIENCE).httpFlows().hasRequest(login, exactly(1));
    }

    @Test
    void anythingUnstubbedGetsA502ThatSaysWhichStubIsMissing(Apps apps, Stubs stubs, Flows flows) {
        stubs.on(anyRequestTo("api.example.test")).respond(respond(404));

        AppResult curl = apps.run("curl", "-sS", "https://cdn.example.test/logo.png");

        assertThat(curl.stdout()).as(curl.toString()).startsWith("apptap is offline and no stub matched"
                + " GET https://cdn.example.test/logo.png; add one with"
                + " stubs.on(get(\"https://cdn.example.test/logo.png\")).respond(...).");
        assertThat(flows).within(PATIENCE).httpFlows().hasRequest(get("https://cdn.example.test/logo.png"))
                .singleElement().hasStatus(502).failedWith(FlowError.Kind.NO_STUB_MATCHED);
    }

    @Test
    void evenRealHostNamesStayOnThisMachine(Apps apps, Flows flows) {
        AppResult curl = apps.run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "https://example.com/");

        assertThat(curl.stdout()).as(curl.toString()).isEqualTo("502");
        assertThat(flows).within(PATIENCE).httpFlows().singleElement().failedWith(FlowError.Kind.NO_STUB_MATCHED);
    }
}
