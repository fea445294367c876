package dev.apptap.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apptap.proxy.redirect.RedirectorProvider;
import java.lang.reflect.Method;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLocksProvider;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.Event;

class OsProxyTest {

    static final String UNAVAILABLE = "OSPROXY is unavailable: no redirector for this platform is on the class path"
            + " (add apptap-redirector-linux).";

    @BeforeEach
    void noRedirectorInstalled() {
        assumeTrue(RedirectorProvider.installed().isEmpty(), "these tests describe a machine without a redirector");
    }

    @Test
    void osProxyWithoutARedirectorIsSkippedWithAFullSentence() throws Exception {
        EngineExecutionResults results = new Kit().run(WantsOsProxy.class);

        results.testEvents().assertStatistics(s -> s.skipped(1).started(0));
        Event skipped = results.testEvents().skipped().list().get(0);
        assertThat(skipped.getPayload(String.class)).contains(UNAVAILABLE + " This test asks for OSPROXY mode, so it"
                + " is skipped; set apptap.require=osproxy to make such tests fail instead.");
    }

    @Test
    void requireOsProxyTurnsTheSkipIntoAFailure() throws Exception {
        EngineExecutionResults results = new Kit().with(Config.REQUIRE, "osproxy").run(WantsOsProxy.class);

        results.testEvents().assertStatistics(s -> s.started(1).failed(1));
        assertThat(Kit.failures(results)).contains("apptap.require=osproxy is set, so this test fails instead of"
                + " running in LAUNCH mode or being skipped. " + UNAVAILABLE);
    }

    @Test
    void autoFallsBackToLaunchAndSaysWhyInTheReport() throws Exception {
        EngineExecutionResults results = new Kit().run(Auto.class);

        results.testEvents().assertStatistics(s -> s.started(1).succeeded(1));
        assertThat(Kit.entries(results, "apptap.mode")).containsExactly("LAUNCH");
        assertThat(Kit.entries(results, "apptap.mode.reason")).containsExactly("AUTO chose LAUNCH. " + UNAVAILABLE);
    }

    @Test
    void autoFailsToowhenOsProxyIsRequired() throws Exception {
        EngineExecutionResults results = new Kit().with(Config.REQUIRE, "osproxy").run(Auto.class);

        results.testEvents().assertStatistics(s -> s.started(1).failed(1));
    }

    @Test
    void configurationChoosesTheModeTheAnnotationLeavesOpen() throws Exception {
        EngineExecutionResults results = new Kit().with(Config.MODE, "osproxy").run(Auto.class);

        results.testEvents().assertStatistics(s -> s.skipped(1));
    }

    @Test
    void onlyTestsThatMayUseOsProxyTakeTheLock() throws Exception {
        ResourceLocksProvider provider = new OsProxyLockProvider();
        Method launch = Mixed.class.getDeclaredMethod("launch");
        Method offline = Mixed.class.getDeclaredMethod("offline");
        ResourceLocksProvider.Lock online = new ResourceLocksProvider.Lock(InterceptApps.OFFLINE_LOCK,
                ResourceAccessMode.READ);

        assertThat(provider.provideForClass(WantsOsProxy.class)).as("names only: shared with other OSPROXY tests")
                .containsExactlyInAnyOrder(new ResourceLocksProvider.Lock(InterceptApps.OSPROXY_LOCK,
                        ResourceAccessMode.READ), online);
        assertThat(provider.provideForClass(MachineWide.class)).as("MACHINE scope runs alone")
                .containsExactlyInAnyOrder(new ResourceLocksProvider.Lock(InterceptApps.OSPROXY_LOCK), online);
        assertThat(provider.provideForClass(Excluding.class)).as("exclusions run alone")
                .containsExactlyInAnyOrder(new ResourceLocksProvider.Lock(InterceptApps.OSPROXY_LOCK), online);
        assertThat(provider.provideForClass(Auto.class)).as("AUTO without a redirector is LAUNCH")
                .containsExactly(online);
        assertThat(provider.provideForMethod(List.of(), Mixed.class, launch)).containsExactly(online);
        assertThat(provider.provideForMethod(List.of(), Mixed.class, offline))
                .containsExactly(new ResourceLocksProvider.Lock(InterceptApps.OFFLINE_LOCK));
        assertThat(provider.provideForClass(Mixed.class)).as("no annotation, no lock").isEmpty();
    }

    @InterceptApps(value = "curl", mode = InterceptMode.OSPROXY)
    static class WantsOsProxy {
        @Test
        void intercepted() {
        }
    }

    @InterceptApps(value = "curl", mode = InterceptMode.OSPROXY, scope = ProcessScope.MACHINE)
    static class MachineWide {
        @Test
        void intercepted() {
        }
    }

    @InterceptApps(value = "!java", mode = InterceptMode.OSPROXY)
    static class Excluding {
        @Test
        void intercepted() {
        }
    }

    @InterceptApps("curl")
    static class Auto {
        @Test
        void intercepted(InterceptRuntime runtime) {
            assertThat(runtime.mode()).isEqualTo(InterceptMode.LAUNCH);
        }
    }

    static class Mixed {
        @InterceptApps(mode = InterceptMode.LAUNCH)
        @Test
        void launch() {
        }

        @InterceptApps(mode = InterceptMode.LAUNCH, offline = true)
        @Test
        void offline() {
        }
    }
}
