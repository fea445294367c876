package dev.apptap.bench;

import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * The per-test cost of {@code @InterceptApps}: runs 200 empty tests without it ({@link EmptyTests}) and with it
 * ({@link InterceptedLaunchTests}, {@link InterceptedOsproxyTests}), alternating, each a whole JUnit run, and prints
 * {@code PERTEST mode=M plain_ms=.. intercepted_ms=.. per_test_ms=.. first_run_ms=..} with medians over the rounds.
 * The first run with apptap starts the engine (and for OSPROXY loads the eBPF programs); later runs in the JVM get
 * it back, as a second JUnit run in an IDE does, so {@code per_test_ms} is what each test costs and
 * {@code first_run_ms} (the first intercepted run over a plain one, JIT warm-up included) what the start costs once.
 *
 * <pre>java -cp bench-harness.jar dev.apptap.bench.PerTestCost [--rounds 5] [--modes launch,osproxy]</pre>
 */
public final class PerTestCost {

    private static final int TESTS = 200;

    private PerTestCost() {
    }

    public static void main(String[] args) {
        int rounds = 5;
        List<String> modes = List.of("launch", "osproxy");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--modes" -> modes = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("PerTestCost does not know the option " + args[i]);
            }
        }
        Launcher launcher = LauncherFactory.create();
        int failures = 0;
        for (String mode : modes) {
            Class<?> intercepted = mode.equals("osproxy") ? InterceptedOsproxyTests.class : InterceptedLaunchTests.class;
            // Warm-up: class loading, JIT, the first CA and engine, outside the measurement.
            long plainFirst = run(launcher, EmptyTests.class);
            long warm = run(launcher, intercepted);
            if (warm < 0) {
                System.out.println("PERTEST mode=" + mode + " failed: the intercepted tests did not all pass");
                failures++;
                continue;
            }
            List<Double> plain = new ArrayList<>();
            List<Double> with = new ArrayList<>();
            List<Double> diff = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                double p = run(launcher, EmptyTests.class) / 1e6;
                double w = run(launcher, intercepted) / 1e6;
                plain.add(p);
                with.add(w);
                diff.add((w - p) / TESTS);
            }
            System.out.printf("PERTEST mode=%s tests=%d plain_ms=%.1f intercepted_ms=%.1f per_test_ms=%.3f"
                    + " first_run_ms=%.1f%n", mode, TESTS, median(plain), median(with), median(diff),
                    (warm - plainFirst) / 1e6);
        }
        System.exit(failures == 0 ? 0 : 1);
    }

    /** Nanoseconds for one JUnit run of {@code testClass}; -1 when a test failed. */
    private static long run(Launcher launcher, Class<?> testClass) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(testClass))
                .configurationParameter("apptap.ca.dir", "ephemeral")
                .configurationParameter("apptap.har", "ON_FAILURE")
                .build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        long start = System.nanoTime();
        launcher.execute(request, summary);
        long elapsed = System.nanoTime() - start;
        TestExecutionSummary result = summary.getSummary();
        if (result.getTotalFailureCount() > 0 || result.getTestsSucceededCount() != TESTS) {
            result.getFailures().stream().limit(1).forEach(f -> f.getException().printStackTrace());
            System.out.println("run of " + testClass.getSimpleName() + ": " + result.getTestsSucceededCount()
                    + " of " + TESTS + " passed, " + result.getTestsSkippedCount() + " skipped, "
                    + result.getTestsAbortedCount() + " aborted");
            return -1;
        }
        return elapsed;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
