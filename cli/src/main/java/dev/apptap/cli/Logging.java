package dev.apptap.cli;

import java.io.PrintStream;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * The CLI's logging: the engine's and the libraries' log records (java.util.logging, which slf4j and
 * {@link System.Logger} feed here) stay off the console, where apptap's own lines say what happened (a rejected
 * certificate is already the flow's line); {@code --verbose} shows them on stderr, one line each.
 */
final class Logging {

    private Logging() {
    }

    static void configure(boolean verbose, PrintStream err) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        if (!verbose) {
            root.setLevel(Level.OFF);
            return;
        }
        root.setLevel(Level.INFO);
        Logger.getLogger("dev.apptap").setLevel(Level.FINE);
        Handler handler = new StreamHandler(err, new OneLine()) {
            @Override
            public synchronized void publish(LogRecord record) {
                super.publish(record);
                flush();
            }
        };
        handler.setLevel(Level.ALL);
        root.addHandler(handler);
    }

    /** {@code apptap [debug] dev.apptap.proxy.engine.ProxyEngine: message}, and the exception's summary if any. */
    private static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord record) {
            String level = record.getLevel().intValue() >= Level.WARNING.intValue() ? "warning"
                    : record.getLevel().intValue() >= Level.INFO.intValue() ? "info" : "debug";
            String thrown = record.getThrown() == null ? "" : " (" + record.getThrown() + ")";
            return "apptap [" + level + "] " + record.getLoggerName() + ": " + formatMessage(record) + thrown
                    + System.lineSeparator();
        }
    }
}
