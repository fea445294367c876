package dev.apptap.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.proxy.flow.FlowError;
import dev.apptap.proxy.flow.Flows;
import dev.apptap.proxy.flow.HttpFlow;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The builder form, run by Surefire directly: what a user's test class looks like. */
class ProgrammaticTest {

    @RegisterExtension
    static InterceptAppsExtension apptap = InterceptAppsExtension.newInstance()
            .intercept("curl")
            .mode(InterceptMode.LAUNCH)
            .offline(true)
            .upstreamTrust(LocalOrigin.get().caPem())
            .build();

    @Test
    void runsAppsAndReadsFlowsThroughTheExtensionInstance() {
        AppResult curl = apptap.apps().run("curl", "-sS", "-d", "name=ann", LocalOrigin.get().https("/users"));

        assertThat(curl.exitCode()).as(curl.toString()).isZero();
        assertThat(curl.stdout()).isEqualTo("name=ann");
        HttpFlow flow = Scenarios.single(apptap.flows());
        assertThat(flow.request().method()).isEqualTo("POST");
        assertThat(flow.request().body().text()).isEqualTo("name=ann");
        assertThat(flow.tls()).isPresent();
    }

    @Test
    void injectsTheRuntime(InterceptRuntime runtime) {
        assertThat(runtime.mode()).isEqualTo(InterceptMode.LAUNCH);
        assertThat(runtime.modeReason()).isEqualTo("LAUNCH mode was asked for.");
        assertThat(runtime.environment()).containsEntry("HTTPS_PROXY", runtime.proxyUrl())
                .containsEntry("SSL_CERT_FILE", runtime.caBundle().toString());
        assertThat(runtime.caCertificate()).isRegularFile();
        assertThat(runtime.trustStore()).isRegularFile();
        assertThat(Files.isRegularFile(runtime.caBundle())).isTrue();
        assertThat(runtime.redirector()).isEmpty();
    }

    @Test
    void offlineTestsNeverLookUpNamesOnTheNetwork(Apps apps, Flows flows) {
        AppResult curl = apps.run("curl", "-sS", "http://example.com/");

        // The resolver refused (proxy-core's 502 sentence does not carry the resolver's own reason yet).
        assertThat(curl.stdout()).contains("apptap could not resolve the host name example.com");
        HttpFlow flow = Scenarios.single(flows);
        assertThat(flow.status()).isEqualTo(502);
        assertThat(flow.error()).map(FlowError::kind).contains(FlowError.Kind.UPSTREAM_DNS);
    }
}
