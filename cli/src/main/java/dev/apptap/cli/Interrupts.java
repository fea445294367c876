package dev.apptap.cli;

import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C while a command runs belongs to the command: the terminal sends SIGINT to the whole foreground process
 * group, so the command already got it, and apptap stays alive to print the summary and write the HAR once the
 * command exits. A second Ctrl-C stops the command, a third kills it.
 */
final class Interrupts implements AutoCloseable {

    private static final Signal INT = new Signal("INT");

    private final SignalHandler previous;

    private Interrupts(SignalHandler previous) {
        this.previous = previous;
    }

    static Interrupts deferTo(Process child) {
        AtomicInteger count = new AtomicInteger();
        SignalHandler previous = Signal.handle(INT, signal -> {
            int n = count.incrementAndGet();
            if (n == 2) {
                child.destroy();
            } else if (n > 2) {
                child.destroyForcibly();
            }
        });
        return new Interrupts(previous);
    }

    @Override
    public void close() {
        Signal.handle(INT, previous);
    }
}
