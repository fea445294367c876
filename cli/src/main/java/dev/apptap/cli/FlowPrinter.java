package dev.apptap.cli;

import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prints each flow once, when it completes, and keeps the running ones for the progress line. Runs on the engine's
 * publishing thread, so it only formats and prints.
 */
final class FlowPrinter implements FlowListener {

    private final Terminal terminal;
    private final boolean json;
    private final boolean quiet;
    private final boolean dns;
    private final Tally tally = new Tally();
    private final Set<Long> finished = ConcurrentHashMap.newKeySet();
    private final Map<Long, Flow> running = new ConcurrentHashMap<>();

    FlowPrinter(Terminal terminal, EngineOptions options) {
        this.terminal = terminal;
        this.json = options.json;
        this.quiet = options.quiet;
        this.dns = options.dns;
    }

    @Override
    public void onFlow(Flow snapshot) {
        if (!snapshot.isComplete()) {
            if (!finished.contains(snapshot.id())) {
                running.put(snapshot.id(), snapshot);
            }
            return;
        }
        running.remove(snapshot.id());
        if (!finished.add(snapshot.id())) {
            return;
        }
        tally.add(snapshot);
        if (json) {
            if (dns || !(snapshot instanceof DnsFlow)) {
                terminal.data(FlowJson.of(snapshot));
            }
        } else if (!quiet && worthALine(snapshot)) {
            terminal.info(FlowLine.of(snapshot));
        }
    }

    /** DNS lookups double the lines (A and AAAA per name); people see them when asked, or when one went wrong. */
    private boolean worthALine(Flow flow) {
        return dns || !(flow instanceof DnsFlow query) || query.error().isPresent() || !query.rcode().equals("NOERROR");
    }

    List<Flow> running() {
        return new ArrayList<>(running.values());
    }

    Tally tally() {
        return tally;
    }
}
