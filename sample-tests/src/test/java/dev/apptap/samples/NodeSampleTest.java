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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Node's built-in {@code fetch}. It trusts apptap's CA through {@code NODE_EXTRA_CA_CERTS}, which {@link Apps} sets.
 * Before Node 24 {@code fetch} ignores {@code HTTP(S)_PROXY}, so Node is caught transparently, by name, in OSPROXY
 * mode; where OSPROXY is unavailable these tests are skipped with the reason.
 */
@InterceptApps(value = "node", mode = InterceptMode.OSPROXY)
class NodeSampleTest {

    static final LocalApi API = LocalApi.start();
    static final Duration PATIENCE = Duration.ofSeconds(5);

    /** Fetches the items, then logs in with JSON, and prints how many items there were and the token. */
    static final String CLIENT = String.join("\n",
            "const [items, login] = process.argv.slice(1);",
            "(async () => {",
            "  const list = await (await fetch(items)).json();",
            "  const answer = await fetch(login, { method: 'POST', headers: { 'content-type': 'application/json' },",
            "                                    body: JSON.stringify({ user: 'ann' }) });",
            "  console.log(list.length, (await answer.json()).token);",
            "})().catch(e => { console.error(e); process.exit(1); });");

    @Test
    void fetchesItemsThenLogsIn(Apps apps, Flows flows) {
        AppResult node = apps.run("node", "-e", CLIENT, API.url("/v1/items"), API.url("/v1/login"));

        assertThat(node.exitCode()).as(node.toString()).isZero();
        assertThat(node.stdout().strip()).isEqualTo("1 t-123");
        assertThat(flows).within(PATIENCE).httpFlows()
                .hasRequestsInOrder(get(API.url("/v1/items")), post("/v1/login").withJsonPointer("/user", "ann"))
                .hasSize(2)
                .allSatisfy(flow -> assertThat(flow.process().name()).isEqualTo("node"));
    }

    @Test
    void trustsApptapThroughTheEnvironment(InterceptRuntime apptap) {
        assertThat(apptap.environment()).containsEntry("NODE_EXTRA_CA_CERTS", apptap.caCertificate().toString());
    }

    /** Node 24 honours HTTP(S)_PROXY when NODE_USE_ENV_PROXY=1, which Apps sets in LAUNCH mode. */
    @Nested
    @InterceptApps(value = "node", mode = InterceptMode.LAUNCH)
    class ThroughTheProxy {

        @Test
        void fetchesThroughTheProxyOnNode24(Apps apps, Flows flows) {
            AppResult version = apps.run("node", "-p", "process.versions.node.split('.')[0]");
            Assumptions.assumeTrue(Integer.parseInt(version.stdout().strip()) >= 24, "node "
                    + version.stdout().strip() + "'s fetch ignores HTTPS_PROXY (Node 24 honours it with"
                    + " NODE_USE_ENV_PROXY=1), so it cannot be intercepted in LAUNCH mode; NodeSampleTest's"
                    + " OSPROXY tests catch it instead.");

            AppResult node = apps.run("node", "-e", CLIENT, API.url("/v1/items"), API.url("/v1/login"));

            assertThat(node.stdout().strip()).as(node.toString()).isEqualTo("1 t-123");
            assertThat(flows).within(PATIENCE).httpFlows()
                    .hasRequestsInOrder(get(API.url("/v1/items")), post("/v1/login"));
        }
    }
}
