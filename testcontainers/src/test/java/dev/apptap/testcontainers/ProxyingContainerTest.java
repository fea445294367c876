package dev.apptap.testcontainers;

import static dev.apptap.assertions.ApptapAssertions.*;
import static dev.apptap.junit.Stubs.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.assertions.RequestPattern;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.InterceptMode;
import dev.apptap.junit.InterceptRuntime;
import dev.apptap.junit.Stubs;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The fallback without the transparent route: LAUNCH mode for a container. {@link Apptap#proxying} puts the container
 * on the host's network, where apptap's explicit proxy on 127.0.0.1 is reachable, with the proxy and trust variables;
 * curl in it goes through the proxy and trusts apptap's certificate, and the offline stub answers.
 */
@InterceptApps(mode = InterceptMode.LAUNCH, offline = true)
@Testcontainers(disabledWithoutDocker = true)
class ProxyingContainerTest {

    @Test
    void curlInAHostNetworkContainerGoesThroughApptapsProxy(InterceptRuntime apptap, Stubs stubs) throws Exception {
        RequestPattern hello = get("https://api.example.test/v1/hello");
        stubs.on(hello).respond(respond(200).withBody("hello through the proxy"));

        try (GenericContainer<?> app = Apptap.proxying(new GenericContainer<>(RuntimesImage.get())
                .withCommand("sleep", "600"), apptap.proxyAddress())) {
            app.start();
            ExecResult curl = app.execInContainer("curl", "-sS", "https://api.example.test/v1/hello");

            assertThat(curl.getStdout()).as(curl.getStderr()).isEqualTo("hello through the proxy");
        }
    }
}
