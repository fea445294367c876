package dev.apptap.redirector.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A one-pass snapshot of the running processes: pid, parent, executable file name, comm. */
final class Procfs {

    record Proc(long pid, long ppid, String executableName, String comm) {
    }

    private Procfs() {
    }

    static Map<Long, Proc> snapshot() {
        Map<Long, Proc> procs = new HashMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                    continue;
                }
                read(Long.parseLong(name), dir).ifPresent(p -> procs.put(p.pid(), p));
            }
        } catch (IOException e) {
            throw new IllegalStateException("apptap could not list /proc to find the processes an intercept spec"
                    + " names: " + e.getMessage(), e);
        }
        return procs;
    }

    /** Like {@link #snapshot()}, for {@code pids} alone; those that are gone are left out. */
    static Map<Long, Proc> snapshotOf(Collection<Long> pids) {
        Map<Long, Proc> procs = new HashMap<>();
        for (long pid : pids) {
            read(pid, Path.of("/proc", Long.toString(pid))).ifPresent(p -> procs.put(p.pid(), p));
        }
        return procs;
    }

    /** The parent of {@code pid}, its parent, and so on up to the first process; empty when {@code pid} is gone. */
    static List<Long> ancestors(long pid) {
        List<Long> found = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        long current = pid;
        while (seen.add(current)) {
            Optional<Proc> proc = read(current, Path.of("/proc", Long.toString(current)));
            if (proc.isEmpty() || proc.get().ppid() <= 0) {
                break;
            }
            current = proc.get().ppid();
            found.add(current);
        }
        return found;
    }

    /** The descendants of {@code root} among {@code running} (not {@code root} itself), by parent links. */
    static Set<Long> descendants(long root, Map<Long, Proc> running) {
        Map<Long, List<Long>> children = new HashMap<>();
        for (Proc proc : running.values()) {
            if (proc.ppid() != proc.pid()) {
                children.computeIfAbsent(proc.ppid(), p -> new ArrayList<>()).add(proc.pid());
            }
        }
        Set<Long> found = new HashSet<>();
        Deque<Long> todo = new ArrayDeque<>(children.getOrDefault(root, List.of()));
        while (!todo.isEmpty()) {
            long pid = todo.removeFirst();
            if (pid != root && found.add(pid)) {
                todo.addAll(children.getOrDefault(pid, List.of()));
            }
        }
        return found;
    }

    private static Optional<Proc> read(long pid, Path dir) {
        try {
            String stat = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
            // pid (comm) state ppid ...: comm may contain spaces and parentheses, so cut at the last ')'
            int close = stat.lastIndexOf(')');
            int open = stat.indexOf('(');
            if (open < 0 || close < open) {
                return Optional.empty();
            }
            String comm = stat.substring(open + 1, close);
            String[] rest = stat.substring(close + 2).split(" ");
            long ppid = Long.parseLong(rest[1]);
            String executable = "";
            try {
                Path exe = Files.readSymbolicLink(dir.resolve("exe"));
                executable = exe.getFileName() == null ? "" : exe.getFileName().toString();
                if (executable.endsWith(" (deleted)")) {
                    executable = executable.substring(0, executable.length() - " (deleted)".length());
                }
            } catch (IOException | UnsupportedOperationException kernelThreadOrGone) {
                // kernel threads have no executable; a process may have exited since the listing
            }
            return Optional.of(new Proc(pid, ppid, executable, comm));
        } catch (IOException | RuntimeException gone) {
            return Optional.empty();
        }
    }
}
