package dev.apptap.junit;

import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** What scenario tests do after an app ran: wait until its flows are recorded, then read their paths. */
final class Scenarios {

    private Scenarios() {
    }

    static List<String> paths(Flows flows, int expected) {
        flows.awaitCount(expected, Duration.ofSeconds(10));
        flows.awaitAllComplete(Duration.ofSeconds(10));
        return flows.httpFlows().stream().map(f -> f.request().path()).collect(Collectors.toList());
    }

    static HttpFlow single(Flows flows) {
        flows.awaitCount(1, Duration.ofSeconds(10));
        flows.awaitAllComplete(Duration.ofSeconds(10));
        List<HttpFlow> all = flows.httpFlows();
        if (all.size() != 1) {
            throw new AssertionError("Expected one HTTP flow but found " + all);
        }
        return all.get(0);
    }
}
