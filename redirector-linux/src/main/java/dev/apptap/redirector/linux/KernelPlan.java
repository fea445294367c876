package dev.apptap.redirector.linux;

import dev.apptap.proxy.redirect.InterceptSpec;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An {@link InterceptSpec} turned into the kernel maps' contents: the default verdict, a verdict per executable
 * file name (for processes that exec after the spec was set), and a verdict per running process.
 *
 * <p>The kernel's rules, which {@link #processes} mirrors for the processes already running:
 * <ul>
 *   <li>a process in {@code procs} gets its entry's verdict; anything else gets the default;</li>
 *   <li>fork: the child copies its parent's entry, with {@code inherited} set when the parent was intercepted;</li>
 *   <li>exec: an intercepted or inherited process stays intercepted unless an exclusion names the new
 *       program; otherwise the new program's name decides ({@code names}, else the default);</li>
 *   <li>pids named in the spec are pinned: exec does not re-evaluate them.</li>
 * </ul>
 */
final class KernelPlan {

    static final int NAME_LEN = 64;

    record Verdict(boolean intercept, boolean inherited, boolean pinned) {
        byte[] bytes() {
            return new byte[] {(byte) (intercept ? 1 : 0), (byte) (inherited ? 1 : 0), (byte) (pinned ? 1 : 0), 0};
        }
    }

    record NameVerdict(boolean intercept, boolean excluded) {
        byte[] bytes() {
            return new byte[] {(byte) (intercept ? 1 : 0), (byte) (excluded ? 1 : 0), 0, 0};
        }
    }

    private final InterceptSpec spec;
    private final boolean defaultIntercept;
    private final Map<String, NameVerdict> names = new LinkedHashMap<>();

    KernelPlan(InterceptSpec spec) {
        this.spec = spec;
        this.defaultIntercept = spec.interceptsByDefault();
        for (InterceptSpec.Item item : spec.items()) {
            if (item.pid().isPresent() || names.containsKey(item.name())) {
                continue;
            }
            String name = item.name();
            names.put(name, new NameVerdict(spec.matches(-1, name, name), excludedByItem(-1, name, name)));
        }
    }

    boolean defaultIntercept() {
        return defaultIntercept;
    }

    /** Whether no process can match: nothing intercepted by default and no item that includes. */
    boolean interceptsNothing() {
        return !defaultIntercept && spec.items().stream().allMatch(InterceptSpec.Item::exclude);
    }

    Map<String, NameVerdict> names() {
        return names;
    }

    /** The 64-byte zero-padded key of {@code names}, or null when the name is too long for the kernel map. */
    static byte[] nameKey(String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (utf8.length >= NAME_LEN) {
            return null;
        }
        byte[] key = new byte[NAME_LEN];
        System.arraycopy(utf8, 0, key, 0, utf8.length);
        return key;
    }

    /** The {@code procs} entries for {@code running}: only those that differ from what the default gives. */
    Map<Long, Verdict> processes(Map<Long, Procfs.Proc> running) {
        Map<Long, Verdict> memo = new HashMap<>();
        Map<Long, Verdict> entries = new HashMap<>();
        for (Procfs.Proc proc : running.values()) {
            Verdict v = verdict(proc, running, memo, 0);
            if (v.pinned() || v.intercept() != defaultIntercept || v.inherited()) {
                entries.put(proc.pid(), v);
            }
        }
        return entries;
    }

    private Verdict verdict(Procfs.Proc proc, Map<Long, Procfs.Proc> running, Map<Long, Verdict> memo, int depth) {
        Verdict known = memo.get(proc.pid());
        if (known != null) {
            return known;
        }
        Procfs.Proc parent = proc.ppid() == proc.pid() ? null : running.get(proc.ppid());
        Verdict pv = parent == null || depth > 512 ? null : verdict(parent, running, memo, depth + 1);
        // With an intercept-by-default spec, "inherited" changes nothing, so the map stays small.
        boolean inherited = !defaultIntercept && pv != null && (pv.intercept() || pv.inherited());
        boolean pinned = spec.items().stream()
                .anyMatch(i -> i.pid().isPresent() && i.pid().getAsLong() == proc.pid());
        String file = proc.executableName().isEmpty() ? proc.comm() : proc.executableName();
        boolean own = spec.matches(proc.pid(), file, proc.comm());
        boolean intercept = pinned || !inherited ? own : !excludedByItem(proc.pid(), file, proc.comm());
        Verdict v = new Verdict(intercept, inherited, pinned);
        memo.put(proc.pid(), v);
        return v;
    }

    private boolean excludedByItem(long pid, String file, String comm) {
        for (InterceptSpec.Item item : spec.items()) {
            if (!item.exclude()) {
                continue;
            }
            boolean hit = item.pid().isPresent() ? item.pid().getAsLong() == pid
                    : item.name().equals(file) || item.name().equals(comm);
            if (hit) {
                return true;
            }
        }
        return false;
    }
}
