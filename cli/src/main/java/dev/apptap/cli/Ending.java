package dev.apptap.cli;

import dev.apptap.flow.FlowStore;
import dev.apptap.proxy.har.HarStream;
import dev.apptap.proxy.report.HtmlReport;
import dev.apptap.proxy.session.InterceptionSession;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * The end of a run or watch: lets flows that are finishing settle, prints the summary, finishes the HAR file (which
 * holds every flow, written as each completed) and writes the HTML report (the flows the window still holds).
 */
final class Ending {

    /** A command's last response may be recorded a moment after the command exits. */
    private static final Duration SETTLE = Duration.ofSeconds(2);

    private final InterceptionSession session;
    private final FlowPrinter printer;
    private final Terminal terminal;
    private final EngineOptions options;
    private final Optional<HarStream> har;

    Ending(InterceptionSession session, FlowPrinter printer, Terminal terminal, EngineOptions options,
           Optional<HarStream> har) {
        this.session = session;
        this.printer = printer;
        this.terminal = terminal;
        this.options = options;
        this.har = har;
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
        if (har.isPresent()) {
            HarStream stream = har.get();
            // Flows still running now were never complete: the HAR gets their last snapshot, marked incomplete.
            printer.running().forEach(stream::add);
            try {
                stream.close();
                terminal.info("apptap: wrote " + stream.file() + " (HAR 1.2).");
            } catch (IOException e) {
                throw new CliFailure(e.getMessage() + " Free space there or make it writable, or give --har another"
                        + " file.", Apptap.FAILED);
            }
        }
        FlowStore store = session.flows();
        if (store.evicted() > 0) {
            terminal.info("apptap: " + store.evicted() + " older flows left memory to stay within "
                    + store.window().describe() + (options.har != null || options.json ? "; --har and --json have"
                    + " them all" : "; --har FILE or --json keeps them all")
                    + (options.report != null ? ", the report shows the rest" : "") + ".");
        }
        if (options.report != null) {
            HtmlReport report = new HtmlReport(what);
            report.add(what, failure, store.flows());
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
