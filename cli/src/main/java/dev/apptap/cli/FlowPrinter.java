package dev.apptap.cli;

import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowListener;
import dev.apptap.proxy.har.HarStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prints each flow once, when it completes, appends it to the HAR stream (--har), and keeps the running ones for the
 * progress line. Runs on the engine's publishing thread, so it only formats and writes.
 */
final class FlowPrinter implements FlowListener {

    private final Terminal terminal;
    private final boolean json;
    private final boolean quiet;
    private final boolean dns;
    private final Optional<HarStream> har;
    private final Tally tally = new Tally();
    /**
     * The newest flows printed, so that a second complete snapshot of one is not printed again; bounded like the
     * store's window, so a week-long watch does not grow it: a flow's snapshots come moments apart.
     */
    private final Set<Long> finished;
    private final Map<Long, Flow> running = new ConcurrentHashMap<>();

    FlowPrinter(Terminal terminal, EngineOptions options, Optional<HarStream> har) {
        this.terminal = terminal;
        this.json = options.json;
        this.quiet = options.quiet;
        this.dns = options.dns;
        this.har = har;
        int remembered = Math.max(1, options.windowFlows);
        this.finished = Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                return size() > remembered;
            }
        }));
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
        har.ifPresent(stream -> stream.add(snapshot));
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
