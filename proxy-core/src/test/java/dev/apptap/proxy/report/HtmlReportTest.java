package dev.apptap.proxy.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.apptap.flow.Body;
import dev.apptap.flow.Endpoint;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.Headers;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.HttpRequest;
import dev.apptap.flow.HttpResponse;
import dev.apptap.flow.ProcessInfo;
import dev.apptap.proxy.launch.LaunchEnvironment;
import dev.apptap.proxy.rules.Actions;
import dev.apptap.proxy.rules.RequestMatcher;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.session.InterceptionSession;
import dev.apptap.proxy.session.SessionOptions;
import dev.apptap.proxy.testing.Clients;
import dev.apptap.proxy.testing.HeadlessChromium;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {

    /** A body that would end the data's script element, and run script, if the page embedded it unescaped. */
    private static final String HOSTILE = "</script><script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">"
            + "<!-- \u2028 & done";

    private static final Instant T0 = Instant.parse("2026-12-04T20:00:00Z");
    private static final ProcessInfo CURL = new ProcessInfo(4242, "curl", "/usr/bin/curl",
            List.of("curl", "-sS", "https://api.example.test/v1/login"));

    @TempDir
    Path dir;

    @Test
    void dataCannotEndItsScriptElement() {
        String json = HtmlReport.scriptSafe(JsonNodeFactory.instance.textNode(HOSTILE));

        assertThat(json).doesNotContain("<", ">", "&", "\u2028").contains("\\u003C/script\\u003E");

        HtmlReport report = new HtmlReport("run");
        report.add("HostileTest.body", Optional.of(HOSTILE), List.of(flow(1, "GET", "/v1/x", 200, HOSTILE, 0)));
        assertThat(report.html().split("</script>", -1)).as("only the page's own two script elements end")
                .hasSize(3);
    }

    @Test
    void anchorsAreStableAndSafeInUrls() {
        assertThat(HtmlReport.anchor("LoginTest.logsIn")).isEqualTo("t-LoginTest.logsIn");
        assertThat(HtmlReport.anchor("RetryTest.retries()[2] \"x\"")).isEqualTo("t-RetryTest.retries___2___x_");
    }

    @Test
    void chromiumShowsFailedTestsFirstAndOpensAFlowOnClick() throws Exception {
        assumeTrue(HeadlessChromium.find().isPresent(),
                "Chromium is not installed (Debian's chromium package), so the report cannot be opened in a browser.");
        HtmlReport report = new HtmlReport("mvn test (HtmlReportTest)");
        report.add("CatalogTest.lists", Optional.empty(), List.of(
                flow(1, "GET", "/v1/items?page=1", 200, "[{\"id\":1},{\"id\":2}]", 0),
                flow(2, "GET", "/v1/items?page=2", 200, "[]", 40).withHandling(
                        new HttpFlow.Handling(HttpFlow.Handling.Kind.STUBBED, "#1 GET https://api.example.test/v1/items → respond 200"))));
        report.add("LoginTest.logsIn", Optional.of("Expecting a flow matching:\n  POST /v1/login\nbut no flow matched it."),
                List.of(flow(3, "POST", "/v1/login", 401, "{\"error\":\"bad password\",\"hint\":" + quoted(HOSTILE) + "}", 0),
                        flow(4, "GET", "/v1/profile", -1, "", 30).withError(new FlowError(FlowError.Kind.UPSTREAM_REFUSED,
                                "api.example.test:443 refused curl's connection; is the server running?")).completed()));
        Path page = dir.resolve("report.html");
        report.write(page);

        try (HeadlessChromium chromium = HeadlessChromium.open(page.toUri())) {
            assertThat(chromium.evaluate("[...document.querySelectorAll('section.test h2')].map(h => h.textContent)")
                    .toString()).as("failed tests first").startsWith("[\"failedLoginTest.logsIn");
            assertThat(chromium.evaluate("document.querySelectorAll('tr.flow').length").asInt()).isEqualTo(4);
            assertThat(chromium.evaluate("document.querySelectorAll('tr.flow.error').length").asInt()).isEqualTo(1);
            assertThat(chromium.evaluate("document.querySelector('tr.flow.error td.url').textContent").asText())
                    .isEqualTo("https://api.example.test/v1/profile");
            assertThat(chromium.evaluate("[...document.querySelectorAll('tr.flow')].map(r => r.cells[7].textContent)")
                    .toString()).isEqualTo("[\"upstream\",\"error\",\"upstream\",\"stubbed\"]");
            assertThat(chromium.evaluate("document.querySelectorAll('.bar').length").asInt()).isEqualTo(4);

            chromium.evaluate("document.querySelector('tr.flow[data-flow=\"3\"]').click()");

            String opened = chromium.evaluate("document.querySelector('tr.detail').innerText").asText();
            assertThat(opened).contains("POST https://api.example.test/v1/login", "X-Trace", "trace-3",
                    "401 Unauthorized", "\"error\": \"bad password\"", "</script><script>window.pwned = 1</script>");
            assertThat(chromium.evaluate("typeof window.pwned").asText()).isEqualTo("undefined");
            assertThat(chromium.evaluate("document.querySelectorAll('img').length").asInt()).isZero();
            chromium.screenshot(Path.of("target", "apptap-report-screenshot.png"));
        }
    }

    @Test
    void chromiumOpensTheFlowsOfARealCurlThroughTheEngine() throws Exception {
        assumeTrue(HeadlessChromium.find().isPresent(),
                "Chromium is not installed (Debian's chromium package), so the report cannot be opened in a browser.");
        Clients.assumeInstalled("curl");
        RuleSet rules = new RuleSet().offline(true);
        rules.on(RequestMatcher.post("https://api.example.test/v1/login"))
                .respond(Actions.respondJson(200, "{\"token\":\"t-42\",\"roles\":[\"admin\"]}"));
        HtmlReport report = new HtmlReport("curl through apptap");
        try (InterceptionSession session = InterceptionSession.start(SessionOptions.builder().rules(rules).build())) {
            Map<String, String> env = LaunchEnvironment.proxy(session.explicitProxy(), session.trust());
            Clients.curl(env, "-sS", "-H", "X-Trace: real-1", "-H", "Content-Type: application/json",
                    "-d", "{\"user\":\"ann\"}", "https://api.example.test/v1/login").requireSuccess();
            Clients.curl(env, "-sS", "https://api.example.test/v1/missing");
            session.flows().view().awaitAllComplete(Duration.ofSeconds(10));
            report.add("RealCurlTest.logsIn", Optional.of("on purpose"), session.flows().flows());
        }
        Path page = dir.resolve("real.html");
        report.write(page);

        try (HeadlessChromium chromium = HeadlessChromium.open(page.toUri())) {
            assertThat(chromium.evaluate("[...document.querySelectorAll('tr.flow')].map(r => r.cells[3].textContent)")
                    .toString()).isEqualTo("[\"https://api.example.test/v1/login\",\"https://api.example.test/v1/missing\"]");
            assertThat(chromium.evaluate("[...document.querySelectorAll('tr.flow')].map(r => r.cells[7].textContent)")
                    .toString()).isEqualTo("[\"stubbed\",\"error\"]");

            chromium.evaluate("document.querySelector('tr.flow').click()");

            String opened = chromium.evaluate("document.querySelector('tr.detail').innerText").asText();
            assertThat(opened).contains("POST https://api.example.test/v1/login", "X-Trace", "real-1",
                    "\"user\": \"ann\"", "200", "\"token\": \"t-42\"", "curl");
        }
    }

    @Test
    void chromiumLabelsAFaultARuleAskedForAndShowsWhatApptapDid() throws Exception {
        assumeTrue(HeadlessChromium.find().isPresent(),
                "Chromium is not installed (Debian's chromium package), so the report cannot be opened in a browser.");
        String did = "apptap closed the connection of curl (pid 4242) after 2 bytes of the response body to GET"
                + " https://api.example.test/v1/items, as the rule #1 GET https://api.example.test/v1/items asked.";
        HtmlReport report = new HtmlReport("faults");
        report.add("RetryTest.retries", Optional.empty(), List.of(flow(1, "GET", "/v1/items", 200, "[1,2]", 0)
                .withError(new FlowError(FlowError.Kind.FAULT, did)).completed()));
        Path page = dir.resolve("faults.html");
        report.write(page);

        try (HeadlessChromium chromium = HeadlessChromium.open(page.toUri())) {
            assertThat(chromium.evaluate("document.querySelector('tr.flow').cells[7].textContent").asText())
                    .isEqualTo("fault");
            chromium.evaluate("document.querySelector('tr.flow').click()");
            assertThat(chromium.evaluate("document.querySelector('tr.detail').innerText").asText())
                    .contains("FAULT: " + did);
        }
    }

    private static String quoted(String text) {
        return JsonNodeFactory.instance.textNode(text).toString();
    }

    private static HttpFlow flow(long id, String method, String path, int status, String responseBody, long startMillis) {
        String url = "https://api.example.test" + path;
        HttpRequest request = new HttpRequest(method, url, "HTTP/1.1",
                Headers.of("Host", "api.example.test", "User-Agent", "curl/7.88.1", "X-Trace", "trace-" + id),
                method.equals("POST") ? Body.ofText("{\"user\":\"ann\",\"password\":\"secret\"}", "application/json")
                        : Body.EMPTY);
        HttpFlow flow = HttpFlow.started(id, T0.plusMillis(startMillis), CURL, Endpoint.of("127.0.0.1", 50000 + (int) id),
                Endpoint.of("api.example.test", 443), Optional.empty(), request);
        if (status < 0) {
            return flow;
        }
        HttpResponse response = new HttpResponse(status, status == 200 ? "OK" : "Unauthorized", "HTTP/1.1",
                Headers.of("Content-Type", "application/json"), Body.ofText(responseBody, "application/json"),
                Headers.EMPTY);
        return flow.withResponse(response).withTimings(HttpFlow.Timings.NONE.withRequestComplete(Duration.ofMillis(2))
                .withResponseHeaders(Duration.ofMillis(18 + id * 3)).withResponseComplete(Duration.ofMillis(25 + id * 4)))
                .completed();
    }

}
