package dev.apptap.compat;

import static dev.apptap.assertions.ApptapAssertions.assertThat;
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

/**
 * curl intercepted in the kernel (OSPROXY), answered by an offline stub: the redirector, its eBPF object and JNA, the
 * engine's relocated Netty with its native TLS, Bouncy Castle minting the host's certificate, and Jackson and
 * JSONPath judging the request, all in the user's build.
 */
@InterceptApps(value = "curl", mode = InterceptMode.OSPROXY, offline = true)
class OsProxyCurlTest {

    @Test
    void curlIsInterceptedInTheKernelAndAnsweredByAStub(Apps apps, Stubs stubs, Flows flows) {
        RequestPattern hello = post("https://api.compat.test/v1/hello").withJsonPath("$.from", "compat");
        stubs.on(hello).respond(respondJson(200, "{\"hello\":\"compat\"}"));

        AppResult curl = apps.run("curl", "-sS", "--json", "{\"from\":\"compat\"}", "https://api.compat.test/v1/hello");

        assertThat(curl.stdout()).as(curl.toString()).isEqualTo("{\"hello\":\"compat\"}");
        assertThat(flows).within(Duration.ofSeconds(5)).httpFlows().hasRequest(hello).singleElement().hasStatus(200);
        UsersOwnLibraries.assertBundledNativesLoad();
    }
}
