package dev.apptap.cli;

import dev.apptap.proxy.har.HarWriter;
import dev.apptap.proxy.report.HtmlReport;
import dev.apptap.proxy.session.InterceptionSession;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * The end of a run or watch: lets flows that are finishing settle, prints the summary, writes the HAR file and the
 * HTML report.
 */
final class Ending {

    /** A command's last response may be recorded a moment after the command exits. */
    private static final Duration SETTLE = Duration.ofSeconds(2);

    private final InterceptionSession session;
    private final FlowPrinter printer;
    private final Terminal terminal;
    private final EngineOptions options;

    Ending(InterceptionSession session, FlowPrinter printer, Terminal terminal, EngineOptions options) {
        this.session = session;
        this.printer = printer;
        this.terminal = terminal;
        this.options = options;
    }

    void finish(ModeChoice choice) {
        finish(choice, "apptap watch", Optional.empty());
    }

    /**
     * @param what    what ran, as the report's title: the command line
     * @param failure why the run counts as failed (the command's non-zero exit), shown first in the report
     */
    void finish(ModeChoice choice, String what, Optional<String> failure) {
        settle();
        int unfinished = printer.running().size();
        String summary = "apptap: " + printer.tally().summary(unfinished);
        if (printer.tally().flows() == 0 && !choice.osProxy()) {
            summary += " (in LAUNCH mode apptap sees only apps that honour HTTP(S)_PROXY)";
        }
        terminal.info(summary);
        if (options.har != null) {
            try {
                HarWriter.write(session.flows().flows(), options.har);
                terminal.info("apptap: wrote " + options.har + " (HAR 1.2).");
            } catch (IOException e) {
                throw new CliFailure(e.getMessage() + " Free space there or make it writable, or give --har another"
                        + " file.", Apptap.FAILED);
            }
        }
        if (options.report != null) {
            HtmlReport report = new HtmlReport(what);
            report.add(what, failure, session.flows().flows());
            try {
                report.write(options.report);
                terminal.info("apptap: wrote " + options.report + " (open it in a browser).");
            } catch (IOException e) {
                throw new CliFailure(e.getMessage() + " Free space there or make it writable, or give --report"
                        + " another file.", Apptap.FAILED);
            }
        }
    }

    private void settle() {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!printer.running().isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
