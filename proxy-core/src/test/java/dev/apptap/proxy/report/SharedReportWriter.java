package dev.apptap.proxy.report;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A test JVM of its own for {@link SharedReportTest}: adds {@code count} tests named {@code <name> test <i>} to its
 * report and writes the shared page after each, as a fork of a Surefire run does.
 *
 * <p>Arguments: the page, the run, the name, the count.
 */
public final class SharedReportWriter {

    private SharedReportWriter() {
    }

    public static void main(String[] args) throws Exception {
        SharedReport page = SharedReport.of(Path.of(args[0]), args[1]);
        HtmlReport report = new HtmlReport("run " + args[1]);
        int count = Integer.parseInt(args[3]);
        for (int i = 0; i < count; i++) {
            report.add(args[2] + " test " + i, i % 5 == 0 ? Optional.of("failed on purpose") : Optional.empty(),
                    List.of());
            page.write(report);
        }
    }
}
