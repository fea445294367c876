package dev.apptap.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.Flows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;

class DiagnosticsTest {

    @Test
    void aFailedTestGetsItsFlowsAsATableAndAValidHarFile() throws Exception {
        Kit kit = new Kit();
        EngineExecutionResults results = kit.run(FailsAfterCurl.class);

        results.testEvents().assertStatistics(s -> s.started(1).failed(1));
        String url = LocalOrigin.get().https("/har-me");
        String table = Kit.entries(results, "apptap.flows").get(0);
        assertThat(table).startsWith("apptap recorded 1 flow during this test (LAUNCH mode):\n  #")
                .containsPattern("pid \\d+ +curl GET " + url.replace(".", "\\.") + " → 200 \\(21 B, \\d+ ms\\)");

        Path har = kit.reportDirectory.resolve(FailsAfterCurl.class.getName()).resolve("failsOnPurpose.har");
        assertThat(Kit.entries(results, "apptap.har")).containsExactly(har.toAbsolutePath().toString());
        JsonNode log = new ObjectMapper().readTree(har.toFile()).get("log");
        assertThat(log.get("version").asText()).isEqualTo("1.2");
        assertThat(log.get("entries")).hasSize(1);
        JsonNode entry = log.get("entries").get(0);
        assertThat(entry.at("/request/method").asText()).isEqualTo("GET");
        assertThat(entry.at("/request/url").asText()).isEqualTo(url);
        assertThat(entry.at("/response/status").asInt()).isEqualTo(200);
        assertThat(entry.at("/response/content/text").asText()).isEqualTo("you asked for /har-me");
        assertThat(entry.at("/_process/name").asText()).isEqualTo("curl");
        assertThat(entry.at("/_process/pid").asLong()).isPositive();
        assertThat(entry.at("/_process/executable").asText()).endsWith("/curl");
        assertThat(entry.at("/_process/commandLine")).extracting(JsonNode::asText).contains(url);
        assertThat(entry.get("_error").isNull()).isTrue();
        assertThat(entry.at("/timings/send").asLong()).isNotNegative();
    }

    @Test
    void passingTestsGetAHarFileOnlyWhenAskedForAlways() throws Exception {
        Kit onFailure = new Kit();
        EngineExecutionResults passed = onFailure.run(Passes.class);
        assertThat(passed.testEvents().failed().count()).as(Kit.failures(passed)).isZero();
        assertThat(onFailure.reportDirectory.resolve(Passes.class.getName())).doesNotExist();

        Kit always = new Kit().with(Config.HAR, "always");
        EngineExecutionResults results = always.run(Passes.class);
        results.testEvents().assertStatistics(s -> s.succeeded(1));
        assertThat(always.reportDirectory.resolve(Passes.class.getName()).resolve("passes.har")).isRegularFile();
        assertThat(Kit.entries(results, "apptap.flows")).as("the table is for failures").isEmpty();
    }

    @Test
    void harNeverWritesNoHarEvenOnFailure() throws Exception {
        Kit kit = new Kit();
        kit.run(FailsWithoutHar.class).testEvents().assertStatistics(s -> s.failed(1));
        assertThat(Files.list(kit.reportDirectory)).extracting(p -> p.getFileName().toString())
                .as("the run's page and its part, no HAR").containsExactlyInAnyOrder("report.html", "report-parts");
    }

    @Test
    void theRunsHtmlReportHoldsEveryTestAndTheFailureLinksToIt() throws Exception {
        Kit kit = new Kit();
        EngineExecutionResults results = kit.run(FailsAfterCurl.class, Passes.class);

        results.testEvents().assertStatistics(s -> s.failed(1).succeeded(1));
        Path report = kit.reportDirectory.resolve("report.html").toAbsolutePath();
        String link = report.toUri() + "#t-FailsAfterCurl.failsOnPurpose";
        assertThat(Kit.entries(results, "apptap.report")).containsExactly(link);
        Throwable failure = results.testEvents().failed().list().get(0)
                .getPayload(TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow();
        assertThat(failure).isInstanceOf(AssertionError.class).hasMessage("on purpose");
        assertThat(failure.getSuppressed()).singleElement().extracting(Throwable::getMessage).asString()
                .endsWith(link);
        assertThat(Files.readString(report)).contains("\"name\":\"FailsAfterCurl.failsOnPurpose\"",
                "\"name\":\"Passes.passes\"", "/har-me", "/ok\"");
    }

    @Test
    void reportHtmlFalseWritesNoReport() throws Exception {
        Kit kit = new Kit().with(Config.REPORT_HTML, "false");
        EngineExecutionResults results = kit.run(FailsAfterCurl.class);

        assertThat(Kit.entries(results, "apptap.report")).isEmpty();
        assertThat(kit.reportDirectory.resolve("report.html")).doesNotExist();
    }

    @Test
    void aFailedTestWithoutFlowsSaysHowToGetSome() throws Exception {
        EngineExecutionResults results = new Kit().run(FailsWithoutFlows.class);

        assertThat(Kit.entries(results, "apptap.flows")).containsExactly("apptap recorded no flows during this test"
                + " (LAUNCH mode). Start apps through the injected Apps so that they use apptap's proxy.");
    }

    @Test
    void anAppThatRejectsTheCaIsNamedWithItsHostAndTheFix() throws Exception {
        EngineExecutionResults results = new Kit().run(CurlWithItsOwnCa.class);

        results.testEvents().assertStatistics(s -> s.failed(1));
        Throwable failure = results.testEvents().failed().list().get(0)
                .getPayload(TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow();
        assertThat(failure).isInstanceOf(CertificateRejectedError.class);
        assertThat(failure.getMessage())
                .matches("(?s)curl \\(pid \\d+\\) rejected apptap's certificate for api\\.example\\.test, so it does not"
                        + " trust apptap's CA\\. Fix: it was started through Apps, which points SSL_CERT_FILE and friends"
                        + " at apptap's bundle, so its --cacert/--capath option overrides them; point that at"
                        + " /\\S+/ca-bundle\\.pem\\.\nThe test failed with: .*expected.*");
        assertThat(failure.getCause()).isInstanceOf(AssertionError.class);
    }

    @Test
    void unsupportedParameterTypesAreExplained() throws Exception {
        EngineExecutionResults results = new Kit().run(WantsFlowStore.class, WantsFlowsInConstructor.class);

        assertThat(Kit.failures(results))
                .contains("Can only resolve @InterceptApps parameters of type dev.apptap.flow.Flows,"
                        + " dev.apptap.junit.Apps, dev.apptap.junit.Stubs or dev.apptap.junit.InterceptRuntime but was:"
                        + " dev.apptap.flow.FlowStore. Inject Flows to read the test's flows.")
                .contains("Can only resolve @InterceptApps parameter of type dev.apptap.flow.Flows in test"
                        + " methods and @BeforeEach or @AfterEach methods, but was: ");
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    static class FailsAfterCurl {
        @Test
        void failsOnPurpose(Apps apps, Flows flows) {
            assertThat(apps.run("curl", "-sS", LocalOrigin.get().https("/har-me")).exitCode()).isZero();
            Scenarios.single(flows);
            fail("on purpose");
        }
    }

    @InterceptApps(mode = InterceptMode.LAUNCH, har = HarPolicy.NEVER)
    static class FailsWithoutHar {
        @Test
        void failsOnPurpose(Apps apps) {
            apps.run("curl", "-sS", LocalOrigin.get().https("/no-har"));
            fail("on purpose");
        }
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    static class Passes {
        @Test
        void passes(Apps apps, Flows flows) {
            apps.run("curl", "-sS", LocalOrigin.get().https("/ok"));
            Scenarios.single(flows);
        }
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    static class FailsWithoutFlows {
        @Test
        void failsOnPurpose() {
            fail("on purpose");
        }
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    static class CurlWithItsOwnCa {
        @Test
        void fetches(Apps apps) {
            AppResult curl = apps.run("curl", "-sS", "--cacert", LocalOrigin.get().caPem().toString(),
                    LocalOrigin.get().https("/pinned"));
            assertThat(curl.exitCode()).isZero();
        }
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    static class WantsFlowStore {
        @Test
        void store(FlowStore store) {
        }
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    static class WantsFlowsInConstructor {
        WantsFlowsInConstructor(Flows flows) {
        }

        @Test
        void test() {
        }
    }

}
