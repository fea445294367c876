package dev.apptap.junit;

import dev.apptap.flow.Flow;
import dev.apptap.proxy.report.HtmlReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.MediaType;

/**
 * The run's {@code <report dir>/report.html}: every test's flows, failed tests first. Kept in JUnit's root store, so
 * it is written once more when the run ends; a failed test writes it at once, so the link in its failure works
 * while the run goes on and survives a run that is killed.
 */
@SuppressWarnings("deprecation") // CloseableResource and MediaType.create: the forms JUnit 5.12 has; 6.x keeps them
final class RunReport implements ExtensionContext.Store.CloseableResource, AutoCloseable {

    private static final Namespace NAMESPACE = Namespace.create(RunReport.class);

    private final HtmlReport report = new HtmlReport("JUnit run with apptap");
    private final Path file;

    private RunReport(Path file) {
        this.file = file.toAbsolutePath();
    }

    static RunReport of(ExtensionContext context, Path reportDirectory) {
        Path file = reportDirectory.resolve("report.html").toAbsolutePath();
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(file, RunReport::new, RunReport.class);
    }

    /** The test's name in the page: its class and method, and for repeated or parameterized tests the invocation. */
    static String name(ExtensionContext context) {
        String name = context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName();
        return context.getUniqueId().contains("-invocation:") ? name + " " + context.getDisplayName() : name;
    }

    /** Where the page shows {@code test}: the file's URI with the test's anchor. */
    String link(String test) {
        return file.toUri() + "#" + HtmlReport.anchor(test);
    }

    /**
     * Adds the test; for a failed test, writes the page now, names it in the report and attaches a copy as the
     * HAR file is attached.
     */
    void record(ExtensionContext context, String test, Optional<Throwable> failure, List<Flow> flows) {
        report.add(test, failure.map(RunReport::describe), flows);
        if (failure.isEmpty()) {
            return;
        }
        try {
            write();
        } catch (IOException e) {
            context.publishReportEntry("apptap.report", e.getMessage() + " Free space there or make it writable,"
                    + " or set apptap.report.dir to another directory.");
            return;
        }
        context.publishReportEntry("apptap.report", link(test));
        try {
            context.publishFile(file.getFileName().toString(), MediaType.create("text", "html"),
                    target -> Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING));
        } catch (RuntimeException | LinkageError unsupported) {
            // Launchers without an output directory refuse; the apptap.report entry still names the file.
        }
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** One writer at a time: tests failing in parallel would otherwise share the temporary file. */
    private synchronized void write() throws IOException {
        report.write(file);
    }

    @Override
    public void close() {
        if (report.size() == 0) {
            return;
        }
        try {
            write();
        } catch (IOException e) {
            // The run is over and every failed test has named the file or the problem in its report entry.
        }
    }
}
