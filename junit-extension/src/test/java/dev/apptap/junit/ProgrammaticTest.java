package dev.apptap.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.assertions.ApptapAssertions;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
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
        // The body criterion makes the engine wait for the body; a stub that ignores it answers first, and the flow
        // then records only as much body as had arrived.
        apptap.stubs().on(ApptapAssertions.post("https://api.example.test/users").withBody("name=ann"))
                .respond(Stubs.respond(201).withBody("made"));

        AppResult curl = apptap.apps().run("curl", "-sS", "-d", "name=ann", LocalOrigin.get().https("/users"));

        assertThat(curl.exitCode()).as(curl.toString()).isZero();
        assertThat(curl.stdout()).isEqualTo("made");
        HttpFlow flow = Scenarios.single(apptap.flows());
        assertThat(flow.request().method()).isEqualTo("POST");
        assertThat(flow.request().body().text()).isEqualTo("name=ann");
        assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.STUBBED);
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
    void offlineTestsAnswerUnstubbedRequestsThemselves(Apps apps, Flows flows) {
        AppResult curl = apps.run("curl", "-sS", "http://example.com/");

        assertThat(curl.stdout()).startsWith("apptap is offline and no stub matched GET http://example.com/; add one"
                + " with stubs.on(get(\"http://example.com/\")).respond(...).");
        HttpFlow flow = Scenarios.single(flows);
        assertThat(flow.status()).isEqualTo(502);
        assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.OFFLINE);
        assertThat(flow.error()).map(FlowError::kind).contains(FlowError.Kind.NO_STUB_MATCHED);
    }
}
