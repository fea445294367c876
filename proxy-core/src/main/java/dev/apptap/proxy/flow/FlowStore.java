package dev.apptap.proxy.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live, thread-safe record of every flow. Engines {@link #publish publish} a new snapshot of a flow
 * each time it changes; readers take snapshots, scoped views and listeners.
 *
 * TODO(helper flow): listeners, marks, scoped views (since a mark; only some processes), awaiting a flow
 * that is not there yet, clear(), a bound on how many flows are kept.
 */
public final class FlowStore {

    private final AtomicLong ids = new AtomicLong();
    private final ConcurrentSkipListMap<Long, Flow> flows = new ConcurrentSkipListMap<>();

    /** A fresh flow id, increasing. */
    public long nextId() {
        return ids.incrementAndGet();
    }

    /** Records {@code snapshot}, replacing the earlier snapshot with the same id. */
    public void publish(Flow snapshot) {
        flows.put(snapshot.id(), snapshot);
    }

    /** The latest snapshot of every flow, in the order the flows began. */
    public List<Flow> flows() {
        return new ArrayList<>(flows.values());
    }
}
