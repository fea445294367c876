package dev.apptap.compat;

import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.assertions.ApptapAssertions.exactly;
import static dev.apptap.assertions.ApptapAssertions.post;
import static dev.apptap.junit.Stubs.respondJson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.assertions.RequestPattern;
import dev.apptap.flow.Flows;
import dev.apptap.junit.AppResult;
import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.InterceptMode;
import dev.apptap.junit.Stubs;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** curl started through apptap with proxy variables (LAUNCH), beside whatever Netty and Jackson the build has. */
@InterceptApps(mode = InterceptMode.LAUNCH, offline = true)
class LaunchCurlTest {

    @Test
    void curlUsesTheProxyAndTheBuildKeepsItsOwnLibraries(Apps apps, Stubs stubs, Flows flows) {
        RequestPattern login = post("https://auth.compat.test/v1/login").withJsonPointer("/user", "ann");
        stubs.on(login).respond(respondJson(200, "{\"token\":\"t-compat\"}"));

        AppResult curl = apps.run("curl", "-sS", "--json", "{\"user\":\"ann\"}", "https://auth.compat.test/v1/login");

        assertThat(curl.stdout()).as(curl.toString()).isEqualTo("{\"token\":\"t-compat\"}");
        assertThat(flows).within(Duration.ofSeconds(5)).httpFlows().hasRequest(login, exactly(1));
        UsersOwnLibraries.assertVersionsTheBuildChose();
        UsersOwnLibraries.assertJarHoldsOnlyRelocatedClasses();
    }
}
