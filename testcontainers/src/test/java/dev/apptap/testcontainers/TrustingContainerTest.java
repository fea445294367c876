package dev.apptap.testcontainers;

import static dev.apptap.assertions.ApptapAssertions.*;
import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.junit.Stubs.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.assertions.RequestPattern;
import dev.apptap.flow.ContainerInfo;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.InterceptMode;
import dev.apptap.junit.ProcessScope;
import dev.apptap.junit.Stubs;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * A container's curl and Python trust apptap without a rebuilt image: {@link Apptap#trusting} copied the CA files in
 * and set the trust variables before the container started; apptap's eBPF redirector intercepts the programs by name
 * inside the container's network namespace (OSPROXY, machine-wide scope: a container's processes are not this JVM's
 * children), and the stubs answer over TLS that apptap decrypts.
 */
@InterceptApps(value = {"curl", "python3.11"}, mode = InterceptMode.OSPROXY, scope = ProcessScope.MACHINE,
        offline = true)
@Testcontainers(disabledWithoutDocker = true)
class TrustingContainerTest {

    static final Duration PATIENCE = Duration.ofSeconds(10);

    @Container
    static GenericContainer<?> app = Apptap.trusting(new GenericContainer<>(RuntimesImage.get())
            .withCommand("sleep", "600"));

    @Test
    void curlInTheContainerTrustsApptapsCertificate(Stubs stubs, Flows flows) throws Exception {
        RequestPattern hello = get("https://api.example.test/v1/hello");
        stubs.on(hello).respond(respond(200).withBody("hello, container"));

        ExecResult curl = app.execInContainer("curl", "-sS", "https://api.example.test/v1/hello");

        assertThat(curl.getStdout()).as(curl.getStderr()).isEqualTo("hello, container");
        assertThat(flows).within(PATIENCE).httpFlows().hasRequest(hello, exactly(1));
        HttpFlow flow = flows.httpFlows().stream().filter(f -> f.request().path().equals("/v1/hello")).findFirst()
                .orElseThrow();
        assertThat(flow.tls()).as("decrypted").isPresent();
        ContainerInfo container = flow.process().container().orElseThrow();
        assertThat(container.id()).isEqualTo(app.getContainerId());
        assertThat(container.name()).isEqualTo(app.getContainerInfo().getName().substring(1));
    }

    @Test
    void pythonInTheContainerTrustsApptapsCertificate(Stubs stubs, Flows flows) throws Exception {
        RequestPattern login = post("https://auth.example.test/v1/login");
        stubs.on(login).respond(respondJson(200, "{\"token\":\"t-container\"}"));
        String client = String.join("\n",
                "import json, urllib.request",
                "req = urllib.request.Request('https://auth.example.test/v1/login', method='POST', data=b'{}')",
                "print(json.load(urllib.request.urlopen(req, timeout=20))['token'])");

        ExecResult python = app.execInContainer("python3.11", "-c", client);

        assertThat(python.getStdout().strip()).as(python.getStderr()).isEqualTo("t-container");
        assertThat(flows).within(PATIENCE).httpFlows().hasRequest(login, exactly(1));
    }
}
