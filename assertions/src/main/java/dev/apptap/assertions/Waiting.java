package dev.apptap.assertions;

import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.Flows;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.pollinterval.IterativePollInterval;

/**
 * Retries one check until it passes or the patience runs out. Awaitility is configured on each call, never through
 * its static defaults, which are JVM-wide and would leak between tests running in parallel.
 */
final class Waiting {

    private static final Duration FIRST_POLL = Duration.ofMillis(5);
    private static final Duration SLOWEST_POLL = Duration.ofMillis(100);

    private Waiting() {
    }

    static void until(Flows live, Duration patience, Runnable check) {
        // Registered before the first attempt, so that nothing published during the wait goes unreported.
        ConcurrentSkipListMap<Long, Flow> arrivals = new ConcurrentSkipListMap<>();
        AtomicReference<AssertionError> last = new AtomicReference<>();
        try (FlowStore.Registration ignored = live.addListener(f -> arrivals.put(f.id(), f))) {
            Awaitility.await("an apptap assertion")
                      .atMost(patience)
                      .pollDelay(Duration.ZERO)
                      // Flows usually arrive within milliseconds; a short first poll keeps passing tests fast,
                      // and the backoff keeps a long wait from spinning.
                      .pollInterval(IterativePollInterval.iterative(
                              d -> d.multipliedBy(2).compareTo(SLOWEST_POLL) > 0 ? SLOWEST_POLL : d.multipliedBy(2),
                              FIRST_POLL))
                      // The caller's thread: soft assertions and the JUnit extension keep state in thread locals.
                      .pollInSameThread()
                      .untilAsserted(() -> {
                          try {
                              check.run();
                          } catch (AssertionError e) {
                              last.set(e);
                              throw e;
                          }
                      });
        } catch (ConditionTimeoutException e) {
            AssertionError error = new AssertionError(timeoutMessage(last.get(), patience,
                                                                     new ArrayList<>(arrivals.values())));
            error.addSuppressed(e);
            throw error;
        }
    }

    private static String timeoutMessage(AssertionError last, Duration patience, List<Flow> arrivals) {
        String lastMessage = last == null ? "The check did not pass." : last.getMessage();
        String n = System.lineSeparator();
        String waited = "Waited " + Lines.describe(patience) + "; ";
        if (arrivals.isEmpty()) {
            return lastMessage + n + waited + "no flow arrived or changed meanwhile.";
        }
        return lastMessage + n + waited + (arrivals.size() == 1 ? "this flow" : "these " + arrivals.size() + " flows")
               + " arrived or changed meanwhile:" + Lines.listing(arrivals, "  ");
    }
}
