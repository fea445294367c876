package dev.apptap.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.junit.AppResult;
import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.InterceptMode;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Three OSPROXY tests running at the same time in one JVM, two of them intercepting curl and one python3: the JVM's
 * one redirector intercepts the union of their specs, and each test sees exactly the flows of the processes it
 * started. Specs that only name programs share the {@link InterceptApps#OSPROXY_LOCK} lock, so JUnit lets them
 * overlap; {@code @Execution(CONCURRENT)} asks it to. Skipped with the reason where no redirector is usable.
 */
@InterceptApps(value = "curl", mode = InterceptMode.OSPROXY)
@Execution(ExecutionMode.CONCURRENT)
class ParallelOsProxySampleTest {

    static final LocalApi API = LocalApi.start();
    static final Duration PATIENCE = Duration.ofSeconds(10);
    static final int RUNS = 10;

    /** Only for this sample, to make the overlap certain: all three tests run their apps while all three run. */
    static final CyclicBarrier ALL_THREE = new CyclicBarrier(3);

    /** The apps each test started, so that each can check it saw none of the others'. */
    static final Set<Long> EVERY_APP = ConcurrentHashMap.newKeySet();

    @Test
    void curlListsItems(Apps apps, Flows flows) throws Exception {
        Set<Long> pids = runCurl(apps, "/v1/items");

        assertExactlyOwn(flows, pids, "/v1/items");
    }

    @Test
    void curlLogsIn(Apps apps, Flows flows) throws Exception {
        Set<Long> pids = runCurl(apps, "/v1/login");

        assertExactlyOwn(flows, pids, "/v1/login");
    }

    @Test
    @InterceptApps(value = "python3", mode = InterceptMode.OSPROXY)
    void pythonListsItemsWithItsOwnSpec(Apps apps, Flows flows) throws Exception {
        together();
        Set<Long> pids = new HashSet<>();
        for (int i = 0; i < RUNS; i++) {
            AppResult python = apps.run("python3", "-c", "import sys, urllib.request;"
                    + " print(urllib.request.urlopen(sys.argv[1], timeout=20).status)", API.url("/v1/items"));
            assertThat(python.exitCode()).as(python.toString()).isZero();
            pids.add(python.pid());
        }
        EVERY_APP.addAll(pids);
        together();

        assertExactlyOwn(flows, pids, "/v1/items");
    }

    /**
     * Waits until all three tests are here. JUnit may not run them together when its thread pool is busy with other
     * classes' tests; then there is no overlap to show, and the test is skipped rather than failed.
     */
    private static void together() throws InterruptedException {
        try {
            ALL_THREE.await(30, TimeUnit.SECONDS);
        } catch (TimeoutException | BrokenBarrierException e) {
            ALL_THREE.reset();
            Assumptions.abort("JUnit did not run this class's three tests at the same time (its thread pool was busy"
                    + " with other classes' tests), so there is no overlap to show; run the class alone.");
        }
    }

    private static Set<Long> runCurl(Apps apps, String path) throws Exception {
        together();
        Set<Long> pids = new HashSet<>();
        for (int i = 0; i < RUNS; i++) {
            AppResult curl = apps.run("curl", "-sS", "-o", "/dev/null", API.url(path));
            assertThat(curl.exitCode()).as(curl.toString()).isZero();
            pids.add(curl.pid());
        }
        EVERY_APP.addAll(pids);
        together();
        return pids;
    }

    /**
     * Exactly one HTTP flow per app this test ran, none lost; and no flow of the other tests' apps (DNS lookups count
     * too). A flow of a process no test started (another class's test may start curl by hand meanwhile) would be
     * visible to every running test, which is how such tests keep working.
     */
    private static void assertExactlyOwn(Flows flows, Set<Long> pids, String path) {
        Flows http = flows.filter("HTTP", HttpFlow.class::isInstance);
        http.awaitCount(RUNS, PATIENCE);
        List<HttpFlow> recorded = http.awaitAllComplete(PATIENCE).stream().map(HttpFlow.class::cast)
                .filter(f -> EVERY_APP.contains(f.process().pid())).toList();
        assertThat(recorded).extracting(f -> f.process().pid()).containsExactlyInAnyOrderElementsOf(pids);
        assertThat(recorded).allSatisfy(f -> assertThat(f.request().path()).isEqualTo(path));
        Set<Long> others = new HashSet<>(EVERY_APP);
        others.removeAll(pids);
        assertThat(flows.flows()).extracting(f -> f.process().pid()).as("processes of this test's flows")
                .doesNotContainAnyElementsOf(others);
    }
}
