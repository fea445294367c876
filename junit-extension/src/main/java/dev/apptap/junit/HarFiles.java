package dev.apptap.junit;

import dev.apptap.flow.Flow;
import dev.apptap.proxy.har.HarWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.MediaType;

/** Where a test's HAR file goes, and attaching it to the test's report. */
final class HarFiles {

    /** The flows each {@code harFile} has received in this run, by absolute path, oldest first. */
    private static final Map<Path, List<Flow>> RECORDED = new HashMap<>();

    private HarFiles() {
    }

    /**
     * Adds a test's flows to a {@code harFile} and rewrites it: the first test of the run that names the file
     * replaces what an earlier run left there, later ones add theirs after it.
     *
     * @return the file's absolute path
     */
    static Path record(Path file, List<Flow> flows) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        synchronized (RECORDED) {
            List<Flow> all = RECORDED.computeIfAbsent(absolute, f -> new ArrayList<>());
            all.addAll(flows);
            HarWriter.write(all, absolute);
        }
        return absolute;
    }

    /** {@code <dir>/<class>/<method>.har}; repeated and parameterized invocations add their display name. */
    static Path pathFor(Path reportDirectory, ExtensionContext context) {
        String className = context.getRequiredTestClass().getName();
        String method = context.getRequiredTestMethod().getName();
        if (context.getUniqueId().contains("-invocation:")) {
            method += "-" + context.getDisplayName();
        }
        return reportDirectory.resolve(safe(className)).resolve(safe(method) + ".har");
    }

    /**
     * Attaches a copy through {@code publishFile}, so that IDEs and the Open Test Reporting XML link it. Launchers
     * without an output directory (older ones, or none configured) refuse; the report entry still names the file.
     */
    @SuppressWarnings("deprecation") // the extension.MediaType overload is the one 5.12 has; 6.x keeps it
    static void attach(ExtensionContext context, Path file) {
        try {
            context.publishFile(file.getFileName().toString(),
                    MediaType.APPLICATION_JSON,
                    target -> Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING));
        } catch (RuntimeException | LinkageError unsupported) {
            // The HAR file stays where the apptap.har report entry says.
        }
    }

    /** The report's sentence for a HAR that could not be written: what happened, and the settings that fix it. */
    static String notWritten(IOException e) {
        return e.getMessage() + " Free space there or make it writable, or set apptap.report.dir to another directory"
                + " (apptap.har=never turns HAR files off); the flows are in the apptap.flows entry of a failed test.";
    }

    private static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._$\\-\\[\\]]", "_");
    }
}
