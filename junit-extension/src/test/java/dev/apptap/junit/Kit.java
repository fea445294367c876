package dev.apptap.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/** Runs scenario classes through the Jupiter engine, with an ephemeral CA, the local origin trusted, and a temporary report directory. */
final class Kit {

    final Path reportDirectory;
    private final Map<String, String> config = new HashMap<>();

    Kit() throws Exception {
        reportDirectory = Files.createTempDirectory("apptap-kit-");
        config.put(Config.CA_DIR, Config.EPHEMERAL);
        config.put(Config.UPSTREAM_TRUST, LocalOrigin.get().caPem().toString());
        config.put(Config.REPORT_DIR, reportDirectory.toString());
    }

    Kit with(String key, String value) {
        config.put(key, value);
        return this;
    }

    EngineExecutionResults run(Class<?>... classes) {
        return EngineTestKit.engine("junit-jupiter")
                .configurationParameters(config)
                .selectors(Arrays.stream(classes).map(c -> selectClass(c)).toArray(DiscoverySelector[]::new))
                .execute();
    }

    /** Every report entry value published under {@code key}, in order. */
    static List<String> entries(EngineExecutionResults results, String key) {
        return results.allEvents().reportingEntryPublished().stream()
                .map(e -> e.getPayload(ReportEntry.class))
                .flatMap(Optional::stream)
                .map(r -> r.getKeyValuePairs().get(key))
                .filter(v -> v != null)
                .collect(Collectors.toList());
    }

    /** The failure messages of failed tests, for assertion descriptions. */
    static String failures(EngineExecutionResults results) {
        return results.testEvents().failed().stream()
                .map(Event::getPayload).map(p -> p.map(Object::toString).orElse(""))
                .collect(Collectors.joining("\n---\n"));
    }
}
