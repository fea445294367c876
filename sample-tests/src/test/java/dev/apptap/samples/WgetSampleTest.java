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

/**
 * GNU wget. Debian builds it with GnuTLS, which ignores {@code SSL_CERT_FILE}, so wget is told to trust apptap's CA
 * with {@code --ca-certificate} and {@link InterceptRuntime#caBundle()} (the OS roots plus apptap's CA).
 *
 * <p>The mode is AUTO: OSPROXY where a redirector is usable, else LAUNCH. wget also honours {@code https_proxy}, so
 * it works in LAUNCH mode too ({@link ThroughTheProxy}).
 */
@InterceptApps("wget")
class WgetSampleTest {

    static final LocalApi API = LocalApi.start();
    static final Duration PATIENCE = Duration.ofSeconds(5);

    @Test
    void getsJson(Apps apps, Flows flows, InterceptRuntime apptap) {
        AppResult wget = apps.run("wget", "-qO-", "--ca-certificate=" + apptap.caBundle(), API.url("/v1/items"));

        assertThat(wget.stdout()).as(wget.toString()).contains("lamp");
        // OSPROXY records wget's name lookup too, as a DNS flow: httpFlows() keeps the HTTP exchanges
        assertThat(flows).within(PATIENCE).httpFlows().hasRequest(get(API.url("/v1/items")))
                .singleElement()
                .fromProcess("wget")
                .usedTls()
                .hasStatus(200)
                .hasResponseHeader("content-type", "application/json");
    }

    @Test
    void postsAForm(Apps apps, Flows flows, InterceptRuntime apptap) {
        AppResult wget = apps.run("wget", "-qO-", "--ca-certificate=" + apptap.caBundle(),
                "--post-data=user=ann", API.url("/v1/login"));

        assertThat(wget.stdout()).as(wget.toString()).contains("t-123");
        assertThat(flows).within(PATIENCE).httpFlows()
                .hasRequest(post("/v1/login").withBodyContaining("user=ann"))
                .singleElement()
                .hasStatus(200);
    }

    @Test
    void followsRedirects(Apps apps, Flows flows, InterceptRuntime apptap) {
        AppResult wget = apps.run("wget", "-qO-", "--ca-certificate=" + apptap.caBundle(), API.url("/v1/old-items"));

        assertThat(wget.stdout()).as(wget.toString()).contains("lamp");
        assertThat(flows).within(PATIENCE).httpFlows()
                .hasRequestsInOrder(get("/v1/old-items"), get("/v1/items"))
                .hasSize(2);
    }

    /** wget reads {@code https_proxy}, which {@link Apps} sets in LAUNCH mode. */
    @Nested
    @InterceptApps(value = "wget", mode = InterceptMode.LAUNCH)
    class ThroughTheProxy {

        @Test
        void getsJsonThroughTheProxy(Apps apps, Flows flows, InterceptRuntime apptap) {
            AppResult wget = apps.run("wget", "-qO-", "--ca-certificate=" + apptap.caBundle(), API.url("/v1/items"));

            assertThat(wget.stdout()).as(wget.toString()).contains("lamp");
            assertThat(flows).within(PATIENCE).httpFlows().hasRequest(get(API.url("/v1/items")))
                    .singleElement()
                    .fromProcess("wget")
                    .hasStatus(200);
        }
    }
}
