package dev.apptap.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.Flows;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;

class LifecycleTest {

    static final List<InetSocketAddress> PROXIES = new CopyOnWriteArrayList<>();

    @Test
    void startsOneEngineForTwoTestClassesAndKeepsItForTheNextRunWithTheSameSettings() throws Exception {
        // A run with settings of its own first, so that no engine kept by an earlier test is reused below.
        new Kit().with(Config.RESOLVE, "system").run(Second.class);
        PROXIES.clear();
        int before = SharedEngine.STARTS.get();

        EngineExecutionResults results = new Kit().run(First.class, Second.class);
        EngineExecutionResults next = new Kit().run(Second.class);

        results.testEvents().assertStatistics(s -> s.started(3).succeeded(3));
        next.testEvents().assertStatistics(s -> s.started(1).succeeded(1));
        assertThat(SharedEngine.STARTS.get() - before).as("engines started").isEqualTo(1);
        assertThat(PROXIES).hasSize(4).containsOnly(PROXIES.get(0));
        assertThat(Kit.entries(results, "apptap.mode")).containsOnly("LAUNCH").hasSize(3);
        assertThat(refusesConnections(PROXIES.get(0))).as("the kept engine's proxy still listens").isFalse();
    }

    @Test
    void aRunWithOtherSettingsClosesTheEngineTheLastRunKept() throws Exception {
        new Kit().run(Second.class);
        InetSocketAddress kept = PROXIES.get(PROXIES.size() - 1);

        new Kit().with(Config.RESOLVE, "system").run(Second.class);

        assertThat(PROXIES.get(PROXIES.size() - 1)).isNotEqualTo(kept);
        assertThat(refusesConnections(kept)).as("the proxy of the engine kept before is closed").isTrue();
    }

    @Test
    void aClassAnnotationCoversNestedClasses() throws Exception {
        EngineExecutionResults results = new Kit().run(Outer.class);

        results.testEvents().assertStatistics(s -> s.started(1).succeeded(1));
    }

    private static boolean refusesConnections(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, 1000);
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    static class First {
        @Test
        void one(InterceptRuntime runtime, Apps apps, Flows flows) {
            PROXIES.add(runtime.proxyAddress());
            assertThat(apps.run("curl", "-sS", LocalOrigin.get().https("/first")).exitCode()).isZero();
            assertThat(Scenarios.paths(flows, 1)).containsExactly("/first");
        }

        @Test
        void two(InterceptRuntime runtime) {
            PROXIES.add(runtime.proxyAddress());
        }
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    static class Second {
        @Test
        void three(InterceptRuntime runtime) {
            PROXIES.add(runtime.proxyAddress());
        }
    }

    @InterceptApps(mode = InterceptMode.LAUNCH)
    static class Outer {
        @Nested
        class Inner {
            @Test
            void seesItsFlows(Apps apps, Flows flows) {
                assertThat(apps.run("curl", "-sS", LocalOrigin.get().http("/nested")).stdout())
                        .isEqualTo("you asked for /nested");
                assertThat(Scenarios.paths(flows, 1)).containsExactly("/nested");
            }
        }
    }
}
