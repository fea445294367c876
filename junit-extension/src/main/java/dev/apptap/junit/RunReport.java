package dev.apptap.junit;

import dev.apptap.flow.Flow;
import dev.apptap.proxy.report.HtmlReport;
import dev.apptap.proxy.report.SharedReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.MediaType;

/**
 * The run's {@code <report dir>/report.html}: every test's flows, failed tests first. Kept in JUnit's root store, so
 * it is written once more when the run ends; a failed test writes it at once, so the link in its failure works
 * while the run goes on and survives a run that is killed.
 *
 * <p>Surefire's and Failsafe's forks of one run share the page ({@link SharedReport}): they are told apart from other
 * runs by the run's timestamp that Surefire passes every fork ({@code 2026-12-04T22-56-37_573-jvmRun1}). Other
 * launchers that fork (Gradle's {@code maxParallelForks}) share it when each JVM gets the same
 * {@code apptap.report.run} system property; without one, a JVM's page is its own.
 */
@SuppressWarnings("deprecation") // CloseableResource and MediaType.create: the forms JUnit 5.12 has; 6.x keeps them
final class RunReport implements ExtensionContext.Store.CloseableResource, AutoCloseable {

    private static final Namespace NAMESPACE = Namespace.create(RunReport.class);

    /** The argument Surefire starts each fork with: the run's start, and which fork this is. */
    private static final Pattern SUREFIRE_FORK = Pattern.compile("(\\d{4}-\\d{2}-\\d{2}T[0-9_-]+)-jvmRun\\d+");

    private final HtmlReport report = new HtmlReport("JUnit run with apptap");
    private final Path file;
    private final SharedReport page;

    private RunReport(Path file) {
        this.file = file.toAbsolutePath();
        this.page = SharedReport.of(this.file, run(System.getProperty("apptap.report.run"),
                ProcessHandle.current().info().arguments().orElse(new String[0])));
    }

    /**
     * What the JVMs of this test run have in common: {@code configured} ({@code apptap.report.run}), else the run
     * timestamp in Surefire's fork arguments, else this JVM alone.
     */
    static String run(String configured, String... jvmArguments) {
        if (configured != null && !configured.isBlank()) {
            return configured.strip();
        }
        for (String argument : jvmArguments) {
            Matcher fork = SUREFIRE_FORK.matcher(argument);
            if (fork.matches()) {
                return "surefire " + fork.group(1);
            }
        }
        ProcessHandle self = ProcessHandle.current();
        return "jvm " + self.pid() + " " + self.info().startInstant().map(Object::toString).orElse("");
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
        page.write(report);
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
