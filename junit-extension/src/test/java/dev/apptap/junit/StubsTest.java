package dev.apptap.junit;

import static dev.apptap.assertions.ApptapAssertions.anyRequestTo;
import static dev.apptap.assertions.ApptapAssertions.get;
import static dev.apptap.junit.Stubs.respond;
import static dev.apptap.junit.Stubs.respondJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.rules.Rule;
import java.time.Duration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.testkit.engine.EngineExecutionResults;

class StubsTest {

    @Test
    void aStubAnswersItsTestAndIsGoneAfterIt() throws Exception {
        EngineExecutionResults results = new Kit().run(StubThenOrigin.class);

        assertThat(results.testEvents().failed().count()).as(Kit.failures(results)).isZero();
        results.testEvents().assertStatistics(s -> s.succeeded(2));
    }

    @Test
    void offlineAnswersUnmatchedRequestsWith502AndIsReleasedAfterTheTest() throws Exception {
        EngineExecutionResults results = new Kit().run(OfflineThenOnline.class);

        assertThat(results.testEvents().failed().count()).as(Kit.failures(results)).isZero();
        results.testEvents().assertStatistics(s -> s.succeeded(3));
    }

    @Test
    void aFailedTestListsItsUnusedStubsUnderItsFlows() throws Exception {
        EngineExecutionResults results = new Kit().run(FailsWithATypoInAStub.class);

        results.testEvents().assertStatistics(s -> s.failed(1));
        assertThat(Kit.entries(results, "apptap.flows")).singleElement().asString()
                .startsWith("apptap recorded 1 flow during this test (LAUNCH mode):\n  #")
                // Rule ids count per engine, which a JVM's earlier runs may have used already.
                .containsPattern("\n1 stub this test added was never used:\n"
                        + "  #\\d+ GET https://api.example.test/v1/itmes → respond 200 \\(3 B application/json\\)$");
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class StubThenOrigin {

        @Test
        @Order(1)
        void stubbed(Apps apps, Stubs stubs, Flows flows) {
            Rule items = stubs.on(get("https://api.example.test/v1/items")).respond(respondJson(200, "[1]"));

            AppResult curl = apps.run("curl", "-sS", LocalOrigin.get().https("/v1/items"));

            assertThat(curl.stdout()).as(curl.toString()).isEqualTo("[1]");
            HttpFlow flow = Scenarios.single(flows);
            assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.STUBBED);
            assertThat(items.hits()).isEqualTo(1);
            assertThat(stubs.rules()).containsExactly(items);
            assertThat(stubs.unusedRules()).isEmpty();
        }

        @Test
        @Order(2)
        void theNextTestReachesTheOrigin(Apps apps, Stubs stubs, Flows flows) {
            assertThat(stubs.rules()).isEmpty();

            AppResult curl = apps.run("curl", "-sS", LocalOrigin.get().https("/v1/items"));

            assertThat(curl.stdout()).as(curl.toString()).isEqualTo("you asked for /v1/items");
            assertThat(Scenarios.single(flows).handling().kind()).isEqualTo(HttpFlow.Handling.Kind.UPSTREAM);
        }
    }

    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class OfflineThenOnline {

        @Test
        @Order(1)
        @InterceptApps(mode = InterceptMode.LAUNCH, offline = true)
        void offline(Apps apps, Stubs stubs, Flows flows) {
            assertThat(stubs.isOffline()).isTrue();
            stubs.on(anyRequestTo("stubbed.example.test")).respond(respond(204));

            AppResult stubbed = apps.run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                    "https://stubbed.example.test/anything");
            AppResult unmatched = apps.run("curl", "-sS", "https://api.example.test/v1/nothing");

            assertThat(stubbed.stdout()).as(stubbed.toString()).isEqualTo("204");
            assertThat(unmatched.stdout()).as(unmatched.toString())
                    .contains("apptap is offline and no stub matched GET https://api.example.test/v1/nothing");
            HttpFlow flow = flows.awaitFirst(HttpFlow.class, f -> f.isComplete()
                    && f.request().path().equals("/v1/nothing"), Duration.ofSeconds(10));
            assertThat(flow.status()).isEqualTo(502);
            assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.OFFLINE);
            assertThat(flow.error()).map(FlowError::kind).contains(FlowError.Kind.NO_STUB_MATCHED);
        }

        @Test
        @Order(2)
        @InterceptApps(mode = InterceptMode.LAUNCH)
        void onlineAgainAfterwards(Apps apps, Stubs stubs) {
            assertThat(stubs.isOffline()).isFalse();

            AppResult curl = apps.run("curl", "-sS", LocalOrigin.get().https("/online"));

            assertThat(curl.stdout()).as(curl.toString()).isEqualTo("you asked for /online");
        }

        @Test
        @Order(3)
        @InterceptApps(mode = InterceptMode.LAUNCH)
        void offlineForPartOfATest(Apps apps, Stubs stubs) {
            stubs.offline();
            AppResult offline = apps.run("curl", "-sS", LocalOrigin.get().https("/later"));
            stubs.offline(false);
            AppResult online = apps.run("curl", "-sS", LocalOrigin.get().https("/later"));

            assertThat(offline.stdout()).as(offline.toString()).contains("apptap is offline and no stub matched GET");
            assertThat(online.stdout()).as(online.toString()).isEqualTo("you asked for /later");
        }
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    static class FailsWithATypoInAStub {

        @Test
        void failsOnPurpose(Apps apps, Stubs stubs, Flows flows) {
            stubs.on(get("https://api.example.test/v1/items")).respond(respondJson(200, "[1]"));
            stubs.on(get("https://api.example.test/v1/itmes")).respond(respondJson(200, "[2]"));

            apps.run("curl", "-sS", LocalOrigin.get().https("/v1/items"));
            Scenarios.single(flows);
            fail("on purpose");
        }
    }
}
