package dev.apptap.cli;

import dev.apptap.flow.Flow;
import dev.apptap.flow.Sizes;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;

/**
 * While a transfer runs for more than a second, shows the largest one on one line rewritten in place:
 * {@code curl[4242] GET https://example.test/big.iso: 12.3 MiB so far (4 s)}. Only for a terminal: in a pipe or log
 * the {@code \r} rewrites would be noise.
 */
final class ProgressLine implements AutoCloseable {

    private static final Duration SHOW_AFTER = Duration.ofSeconds(1);
    private static final int WIDTH = 100;

    private final Thread ticker;

    private ProgressLine(Thread ticker) {
        this.ticker = ticker;
    }

    /** Starts the ticker when stdin and stdout are a terminal ({@link System#console()}); otherwise does nothing. */
    static ProgressLine startIfTerminal(FlowPrinter printer, Terminal terminal) {
        if (System.console() == null) {
            return new ProgressLine(null);
        }
        Thread ticker = new Thread(() -> tick(printer, terminal), "apptap-progress");
        ticker.setDaemon(true);
        ticker.start();
        return new ProgressLine(ticker);
    }

    private static void tick(FlowPrinter printer, Terminal terminal) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(250);
                Optional<String> line = describe(printer, Instant.now());
                if (line.isPresent()) {
                    terminal.progress(line.get());
                } else {
                    terminal.eraseProgress();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            terminal.eraseProgress();
        }
    }

    static Optional<String> describe(FlowPrinter printer, Instant now) {
        return printer.running().stream()
                .filter(flow -> Duration.between(flow.startedAt(), now).compareTo(SHOW_AFTER) > 0)
                .filter(flow -> transferred(flow) > 0)
                .max(Comparator.comparingLong(ProgressLine::transferred))
                .map(flow -> fit(FlowLine.process(flow.process()) + " " + flow.target() + ": "
                        + Sizes.describe(transferred(flow)) + " so far ("
                        + Duration.between(flow.startedAt(), now).toSeconds() + " s)"));
    }

    private static long transferred(Flow flow) {
        return Math.max(flow.bytesReceived(), flow.bytesSent());
    }

    /** Longer than the terminal, the line would wrap and {@code \r} would no longer rewrite it. */
    private static String fit(String line) {
        return line.length() <= WIDTH ? line : line.substring(0, WIDTH - 3) + "...";
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.interrupt();
            try {
                ticker.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
