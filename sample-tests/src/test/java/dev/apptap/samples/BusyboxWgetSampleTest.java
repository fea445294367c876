package dev.apptap.samples;

import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.assertions.ApptapAssertions.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.junit.AppResult;
import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.InterceptMode;
import dev.apptap.flow.Flows;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The static {@code busybox} (Debian's busybox-static): no shared libraries, no libc hooks, no proxy settings
 * needed, yet the kernel still sees its {@code connect()}, so OSPROXY catches it by name. It fetches over plain HTTP,
 * because busybox's own TLS does not check certificates against a CA apptap could add. Where OSPROXY is unavailable
 * this test is skipped with the reason.
 */
@InterceptApps(value = "busybox", mode = InterceptMode.OSPROXY)
class BusyboxWgetSampleTest {

    static final LocalApi API = LocalApi.start();
    static final Duration PATIENCE = Duration.ofSeconds(5);

    @Test
    void staticBusyboxWgetIsCaughtByName(Apps apps, Flows flows) {
        AppResult busybox = apps.run("busybox", "wget", "-q", "-O", "-", API.httpUrl("/v1/items"));

        assertThat(busybox.stdout()).as(busybox.toString()).contains("lamp");
        assertThat(flows).within(PATIENCE).httpFlows().hasRequest(get(API.httpUrl("/v1/items")))
                .singleElement()
                .fromProcess("busybox")
                .hasStatus(200)
                .hasResponseHeader("content-type", "application/json")
                .matches(flow -> flow.tls().isEmpty(), "over plain HTTP");
    }
}
