package dev.apptap.flow;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The live, thread-safe record of every flow. Engines {@link #publish publish} a new snapshot of a flow each time
 * it changes; readers take lists, scoped {@link Flows views}, {@link #mark() marks} and listeners, and wait for
 * flows that have not arrived yet.
 *
 * <pre>{@code
 * FlowStore.Mark mark = store.mark();
 * runTheApp();
 * HttpFlow login = store.since(mark).awaitFirst(HttpFlow.class,
 *         f -> f.request().path().equals("/login") && f.isComplete(), Duration.ofSeconds(5));
 * }</pre>
 *
 * <p><b>Memory.</b> Only the latest snapshot of each flow is kept, within a {@link FlowWindow} ({@link
 * FlowWindow#DEFAULT 10,000 flows or 64 MiB of recorded bodies} unless the constructor says otherwise); past either
 * limit, publishing drops the oldest complete flow, or the oldest flow when none is complete, never the flow just
 * published. Dropped flows leave every view; {@link #evicted()} counts them, and a {@link Flows} query or wait whose
 * range held one says so ({@link FlowEvictedException}) instead of returning fewer flows. Bodies hold at most what
 * the engine's recording limit kept.
 *
 * <p><b>Threads.</b> Every method may be called from any thread. {@link #publish} never blocks on readers: waits
 * are woken by a condition and evaluate their conditions on the waiting thread, not on the engine's.
 */
public final class FlowStore {

    /** How many flows a store keeps unless told otherwise: {@link FlowWindow#DEFAULT}'s. */
    public static final int DEFAULT_MAX_FLOWS = 10_000;

    private static final System.Logger LOG = System.getLogger(FlowStore.class.getName());

    /** A flow's latest snapshot and the store version that published it; waits skip entries they already tested. */
    record Entry(Flow flow, long version) {
    }

    private final FlowWindow window;
    private final AtomicLong ids = new AtomicLong();
    private final ConcurrentSkipListMap<Long, Slot> flows = new ConcurrentSkipListMap<>();
    // Guarded by lock: the flows still running, whose next snapshots replace the slot's entry without a walk of
    // the ordered map (most publishes are the second or third snapshot of a flow that began moments ago).
    private final HashMap<Long, Slot> running = new HashMap<>();
    private long greatestPublishedId = Long.MIN_VALUE;
    private final CopyOnWriteArrayList<Subscription> listeners = new CopyOnWriteArrayList<>();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock; version is also read without it, by waits deciding whether to sleep.
    private volatile long version;
    private int count;
    private long bodyBytes;
    private long evicted;
    // The newest flow evicted so far: a view whose range starts below it has lost a flow. Read without the lock.
    private volatile long greatestEvictedId = Long.MIN_VALUE;
    private final ArrayDeque<Flow> pending = new ArrayDeque<>();
    private boolean delivering;

    /** A store with the {@link FlowWindow#DEFAULT default window}: 10,000 flows or 64 MiB of bodies. */
    public FlowStore() {
        this(FlowWindow.DEFAULT);
    }

    /** A store that keeps up to {@code maxFlows} flows (and the default 64 MiB of bodies), oldest complete out first. */
    public FlowStore(int maxFlows) {
        this(checkedWindow(maxFlows));
    }

    /** A store that keeps what {@code window} allows, dropping the oldest complete flows first. */
    public FlowStore(FlowWindow window) {
        this.window = Objects.requireNonNull(window, "window");
    }

    private static FlowWindow checkedWindow(int maxFlows) {
        if (maxFlows < 1) {
            throw new IllegalArgumentException("A flow store must keep at least one flow, but maxFlows was "
                    + maxFlows + ".");
        }
        return FlowWindow.DEFAULT.withMaxFlows(maxFlows);
    }

    /** A fresh flow id, greater than every id handed out or published before. */
    public long nextId() {
        return ids.incrementAndGet();
    }

    /**
     * Records {@code snapshot}, replacing the earlier snapshot with the same id, wakes waits and hands the snapshot
     * to the listeners. Listeners run on this thread unless another thread is already delivering, in which case
     * that thread delivers this snapshot after the ones before it, and this call returns at once.
     */
    public void publish(Flow snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        long id = snapshot.id();
        lock.lock();
        try {
            // Flows built by hand (in tests) carry their own ids; nextId() must not hand those out again.
            ids.accumulateAndGet(id, Math::max);
            long next = version + 1;
            Entry entry = new Entry(snapshot, next);
            Slot slot = id > greatestPublishedId ? null : running.get(id);
            if (slot == null && id <= greatestPublishedId) {
                slot = flows.get(id);
            }
            long bytes = recordedBytes(snapshot);
            if (slot == null) {
                slot = new Slot(entry, bytes);
                flows.put(id, slot);
                greatestPublishedId = Math.max(greatestPublishedId, id);
                count++;
                bodyBytes += bytes;
            } else {
                slot.entry = entry;
                bodyBytes += bytes - slot.bytes;
                slot.bytes = bytes;
            }
            if (count > window.maxFlows() || bodyBytes > window.maxBodyBytes()) {
                evictBeyondBound(id);
            }
            if (snapshot.isComplete()) {
                running.remove(id);
            } else {
                running.put(id, slot);
            }
            version = next;
            changed.signalAll();
            if (listeners.isEmpty()) {
                return;
            }
            pending.add(snapshot);
            if (delivering) {
                return;
            }
            delivering = true;
        } finally {
            lock.unlock();
        }
        deliverPending();
    }

    /** The latest snapshot of every flow, in id order (the order the flows began). */
    public List<Flow> flows() {
        List<Flow> list = new ArrayList<>();
        for (Slot slot : flows.values()) {
            list.add(slot.entry.flow());
        }
        return list;
    }

    /** How many flows the store holds. */
    public int size() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    /** How many flows the store keeps at most: {@link #window()}'s. */
    public int maxFlows() {
        return window.maxFlows();
    }

    /** What the store keeps in memory; older flows are evicted. */
    public FlowWindow window() {
        return window;
    }

    /** Bytes of recorded bodies the store holds now, which {@link #window()} bounds. */
    public long bodyBytes() {
        lock.lock();
        try {
            return bodyBytes;
        } finally {
            lock.unlock();
        }
    }

    /** How many flows were dropped to stay within {@link #window()}. */
    public long evicted() {
        lock.lock();
        try {
            return evicted;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forgets every flow. Ids keep increasing, so marks taken before stay meaningful; waits in progress go on
     * waiting for flows published later.
     */
    public void clear() {
        lock.lock();
        try {
            flows.clear();
            running.clear();
            count = 0;
            bodyBytes = 0;
            version++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Calls {@code listener} with every snapshot published from now on, until the returned registration is closed.
     * A snapshot that was being delivered while {@code close()} ran may still reach the listener.
     */
    public Registration addListener(FlowListener listener) {
        Subscription subscription = new Subscription(Objects.requireNonNull(listener, "listener"));
        listeners.add(subscription);
        return () -> listeners.remove(subscription);
    }

    /** This moment: flows that begin after it (whose ids are greater than {@link Mark#lastId()}) are "since" it. */
    public Mark mark() {
        return new Mark(ids.get(), Instant.now());
    }

    /** A live view of every flow. */
    public Flows view() {
        return new Flows(this, Long.MIN_VALUE, null, "the store");
    }

    /** A live view of the flows that began after {@code mark}, including those still to come. */
    public Flows since(Mark mark) {
        Objects.requireNonNull(mark, "mark");
        return new Flows(this, mark.lastId(), null, "the flows since the mark (ids above " + mark.lastId() + ")");
    }

    /**
     * A point in a store's history.
     *
     * @param lastId the greatest flow id handed out when the mark was taken; flows with greater ids began later
     * @param at     when the mark was taken
     */
    public record Mark(long lastId, Instant at) {
        public Mark {
            Objects.requireNonNull(at, "at");
        }
    }

    /** Ends a listener registration; closing twice does nothing. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    // ---- for Flows ----

    /** The entries with ids above {@code afterId}, in id order, weakly consistent with publishes in progress. */
    Iterable<Entry> entriesAfter(long afterId) {
        Collection<Slot> slots = afterId == Long.MIN_VALUE ? flows.values() : flows.tailMap(afterId, false).values();
        return () -> new Iterator<>() {
            private final Iterator<Slot> it = slots.iterator();

            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Entry next() {
                return it.next().entry;
            }
        };
    }

    /** Where a flow's latest snapshot lives; readers see each replacement through the volatile field. */
    private static final class Slot {
        volatile Entry entry;
        long bytes; // guarded by the store's lock

        Slot(Entry entry, long bytes) {
            this.entry = entry;
            this.bytes = bytes;
        }
    }

    long version() {
        return version;
    }

    /** The newest flow id evicted so far, or {@link Long#MIN_VALUE}: views above it are whole. */
    long greatestEvictedId() {
        return greatestEvictedId;
    }

    /** Sleeps until the version moves past {@code seen} or the time is up; false when the time ran out. */
    boolean awaitChange(long seen, long nanos) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (version == seen) {
                if (left <= 0) {
                    return false;
                }
                left = changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    // ---- internals ----

    /** Identity wrapper, so that adding one listener twice gives two registrations that end separately. */
    private record Subscription(FlowListener listener) {
        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    // Called under lock. Scans from the oldest flow for the first complete one: the flows it passes are still
    // running, and few connections stay open for long, so the scan is short. The flow just published is spared:
    // someone may be waiting for exactly that one.
    private void evictBeyondBound(long justPublished) {
        while ((count > window.maxFlows() || bodyBytes > window.maxBodyBytes()) && count > 1) {
            long victim = Long.MIN_VALUE;
            long oldest = Long.MIN_VALUE;
            for (Iterator<Slot> it = flows.values().iterator(); it.hasNext(); ) {
                Flow flow = it.next().entry.flow();
                if (flow.id() == justPublished) {
                    continue;
                }
                if (oldest == Long.MIN_VALUE) {
                    oldest = flow.id();
                }
                if (flow.isComplete()) {
                    victim = flow.id();
                    break;
                }
            }
            long dropped = victim != Long.MIN_VALUE ? victim : oldest;
            Slot gone = flows.remove(dropped);
            running.remove(dropped);
            count--;
            bodyBytes -= gone.bytes;
            evicted++;
            if (dropped > greatestEvictedId) {
                greatestEvictedId = dropped;
            }
        }
    }

    /** The bytes a snapshot holds in its bodies: what the window's byte limit counts. */
    private static long recordedBytes(Flow flow) {
        if (flow instanceof HttpFlow http) {
            long bytes = http.request().body().recordedLength()
                    + http.response().map(r -> (long) r.body().recordedLength()).orElse(0L);
            for (WebSocketMessage message : http.webSocket()) {
                bytes += message.payload().recordedLength();
            }
            return bytes;
        }
        if (flow instanceof TcpFlow tcp) {
            return (long) tcp.fromClient().recordedLength() + tcp.fromServer().recordedLength();
        }
        return 0;
    }

    private void deliverPending() {
        boolean drained = false;
        try {
            while (true) {
                Flow next;
                lock.lock();
                try {
                    next = pending.poll();
                    if (next == null) {
                        delivering = false;
                        drained = true;
                        return;
                    }
                } finally {
                    lock.unlock();
                }
                for (Subscription subscription : listeners) {
                    deliver(subscription.listener(), next);
                }
            }
        } finally {
            if (!drained) {
                // Only a VirtualMachineError gets here; let the next publish deliver what is left.
                lock.lock();
                try {
                    delivering = false;
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    private static void deliver(FlowListener listener, Flow snapshot) {
        try {
            listener.onFlow(snapshot);
        } catch (Throwable e) {
            if (e instanceof VirtualMachineError error) {
                throw error;
            }
            LOG.log(System.Logger.Level.WARNING, () -> "A flow listener (" + listener + ") threw while receiving flow #"
                    + snapshot.id() + " (" + snapshot.summary() + "); the store carried on with the other listeners.",
                    e);
        }
    }

    static long toNanos(Duration timeout) {
        try {
            return Math.max(0, timeout.toNanos());
        } catch (ArithmeticException e) {
            return TimeUnit.DAYS.toNanos(365 * 100);
        }
    }
}
