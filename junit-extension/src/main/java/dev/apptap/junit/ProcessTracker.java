package dev.apptap.junit;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The processes one test started, and their descendants: what a LAUNCH test's flows are scoped to, and what is
 * ended when the test ends. Descendants are recognised by walking parent links, and remembered once seen, because a
 * short-lived child (git's {@code git-remote-https}, a shell's curl) may be gone by the time the test reads its
 * flows, and an orphan is no longer linked to the process that started it.
 */
final class ProcessTracker {

    /** Deeper chains than this are not process trees a test started; it also bounds a walk through a cycle. */
    private static final int MAX_DEPTH = 64;

    private final Set<Long> roots = ConcurrentHashMap.newKeySet();
    // ProcessHandle remembers its start time, so destroying a remembered handle never hits a reused pid.
    private final Map<Long, ProcessHandle> owned = new ConcurrentHashMap<>();
    private final Set<Long> foreign = ConcurrentHashMap.newKeySet();

    void track(ProcessHandle process) {
        roots.add(process.pid());
        owned.put(process.pid(), process);
        snapshotDescendants();
    }

    /** Records the live descendants now, while they can still be asked for their parents. */
    void snapshotDescendants() {
        for (long root : roots) {
            ProcessHandle.of(root).ifPresent(p -> p.descendants().forEach(d -> owned.putIfAbsent(d.pid(), d)));
        }
    }

    /** Whether {@code pid} is a process this test started, or a descendant of one. */
    boolean owns(long pid) {
        if (pid < 0) {
            return false;
        }
        if (owned.containsKey(pid)) {
            return true;
        }
        if (foreign.contains(pid)) {
            return false;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        Optional<ProcessHandle> current = process;
        for (int depth = 0; depth < MAX_DEPTH && current.isPresent(); depth++) {
            if (owned.containsKey(current.get().pid())) {
                owned.putIfAbsent(pid, process.get());
                return true;
            }
            current = current.get().parent();
        }
        // Not cached while the process is unknown: it may be a child whose parent link was not readable yet.
        if (process.isPresent()) {
            foreign.add(pid);
        }
        return false;
    }

    /** Every process this test started or saw descend from one, for ending them. */
    List<ProcessHandle> everyProcess() {
        snapshotDescendants();
        return List.copyOf(owned.values());
    }

    Set<Long> roots() {
        return Set.copyOf(roots);
    }
}
