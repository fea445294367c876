package dev.apptap.samples;

import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.assertions.ApptapAssertions.get;
import static dev.apptap.assertions.ApptapAssertions.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.junit.AppResult;
import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.InterceptMode;
import dev.apptap.flow.Flows;
import java.time.Duration;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Three LAUNCH tests running at the same time, each seeing only the flows of the apps it started (and their
 * children). {@code junit-platform.properties} enables JUnit's parallel execution and keeps other classes sequential;
 * {@code @Execution(CONCURRENT)} lets this class's tests overlap.
 *
 * <p>OSPROXY tests of other classes may run meanwhile (they share the READ lock on {@link InterceptApps#OSPROXY_LOCK}):
 * they intercept their own processes only, and never redirect connections to apptap's explicit proxy, which these
 * tests' apps use.
 */
@InterceptApps(mode = InterceptMode.LAUNCH)
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(value = InterceptApps.OSPROXY_LOCK, mode = ResourceAccessMode.READ)
class ParallelLaunchSampleTest {

    static final LocalApi API = LocalApi.start();
    static final Duration PATIENCE = Duration.ofSeconds(5);

    /** Only for this sample, to make the overlap certain: all three tests run their apps while all three run. */
    static final CyclicBarrier ALL_THREE = new CyclicBarrier(3);

    @Test
    void curlListsItems(Apps apps, Flows flows) throws Exception {
        ALL_THREE.await(30, TimeUnit.SECONDS);
        AppResult curl = apps.run("curl", "-sS", API.url("/v1/items"));
        ALL_THREE.await(30, TimeUnit.SECONDS);

        assertThat(curl.stdout()).as(curl.toString()).contains("lamp");
        assertThat(flows).within(PATIENCE).httpFlows()
                .singleElement()
                .hasPath("/v1/items")
                .matches(flow -> flow.process().pid() == curl.pid(), "came from this test's curl");
    }

    @Test
    void curlLogsIn(Apps apps, Flows flows) throws Exception {
        ALL_THREE.await(30, TimeUnit.SECONDS);
        AppResult curl = apps.run("curl", "-sS", "--json", "{\"user\":\"ann\"}", API.url("/v1/login"));
        ALL_THREE.await(30, TimeUnit.SECONDS);

        assertThat(curl.stdout()).as(curl.toString()).contains("t-123");
        assertThat(flows).within(PATIENCE).httpFlows()
                .hasRequest(post("/v1/login").withJsonPointer("/user", "ann"))
                .doesNotHaveRequest(get("/v1/items"))
                .singleElement()
                .matches(flow -> flow.process().pid() == curl.pid(), "came from this test's curl");
    }

    @Test
    void pythonPlacesAnOrder(Apps apps, Flows flows) throws Exception {
        ALL_THREE.await(30, TimeUnit.SECONDS);
        AppResult python = apps.run("python3", "-c", String.join("\n",
                "import sys, urllib.request",
                "req = urllib.request.Request(sys.argv[1], data=b'{\"item\":7,\"quantity\":2}',",
                "                             headers={'Content-Type': 'application/json'})",
                "print(urllib.request.urlopen(req, timeout=20).status)"), API.url("/v1/orders"));
        ALL_THREE.await(30, TimeUnit.SECONDS);

        assertThat(python.stdout().strip()).as(python.toString()).isEqualTo("201");
        assertThat(flows).within(PATIENCE).httpFlows()
                .hasRequest(post("/v1/orders").withJsonPointer("/quantity", 2))
                .singleElement()
                .hasStatus(201)
                .matches(flow -> flow.process().pid() == python.pid(), "came from this test's python3");
    }
}
