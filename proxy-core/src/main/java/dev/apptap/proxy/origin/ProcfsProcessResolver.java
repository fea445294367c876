package dev.apptap.proxy.origin;

import dev.apptap.proxy.flow.ProcessInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Finds the Linux process behind the app's end of a local connection by reading {@code /proc}: the socket's
 * inode from {@code /proc/net/tcp} and {@code /proc/net/tcp6}, then the process holding {@code socket:[inode]}
 * among {@code /proc/<pid>/fd}.
 *
 * <pre>{@code
 * ProcessResolver processes = new ProcfsProcessResolver();
 * ProcessInfo app = processes.resolve(channel.remoteAddress(), channel.localAddress()); // off the event loop
 * }</pre>
 *
 * Sees only processes in the caller's network namespace whose {@code /proc/<pid>/fd} it may read: all of them
 * as root, the user's own otherwise. Thread-safe.
 */
public final class ProcfsProcessResolver implements ProcessResolver {

    /** How many recent owners are tried before the full scan; tests rarely drive more apps at once. */
    private static final int RECENT_OWNERS = 8;

    private final Path proc;
    /** Most recent first. Holds pids, never inode-to-pid answers, so a reused inode or pid cannot mislead. */
    private final LinkedHashSet<Long> recentOwners = new LinkedHashSet<>();

    public ProcfsProcessResolver() {
        this(Path.of("/proc"));
    }

    ProcfsProcessResolver(Path proc) {
        this.proc = proc;
    }

    @Override
    public ProcessInfo resolve(InetSocketAddress app, InetSocketAddress peer) {
        long inode = ProcNetTcp.findInode(proc, app, peer);
        if (inode <= 0) {
            return ProcessInfo.UNKNOWN;
        }
        long pid = findOwner(inode);
        return pid < 0 ? ProcessInfo.UNKNOWN : ofPid(proc, pid);
    }

    /**
     * Describes a running process from {@code /proc/<pid>}: for redirectors that learn the pid another way
     * (an eBPF map, the launcher). A thread id is answered with its process (thread group).
     *
     * @return the process, or {@link ProcessInfo#UNKNOWN} when no such process exists (any more)
     */
    public static ProcessInfo ofPid(long pid) {
        return ofPid(Path.of("/proc"), pid);
    }

    static ProcessInfo ofPid(Path proc, long pid) {
        // A thread id (what bpf_get_current_pid_tgid() calls pid) names the same process as its group leader.
        pid = threadGroupOf(proc, pid);
        Path dir = proc.resolve(Long.toString(pid));
        String executable = "";
        try {
            executable = Files.readSymbolicLink(dir.resolve("exe")).toString();
            if (executable.endsWith(" (deleted)")) {
                // An upgraded or removed binary keeps running; its old path still names it best.
                executable = executable.substring(0, executable.length() - " (deleted)".length());
            }
        } catch (IOException | UnsupportedOperationException | SecurityException unreadable) {
            // Kernel threads have no exe, and another user's processes hide it; comm still names them.
        }
        String name = executable.isEmpty() ? "" : Path.of(executable).getFileName().toString();
        if (name.isEmpty()) {
            try {
                name = Files.readString(dir.resolve("comm"), StandardCharsets.UTF_8).strip();
            } catch (IOException | SecurityException gone) {
                return ProcessInfo.UNKNOWN;
            }
        }
        List<String> commandLine = List.of();
        try {
            commandLine = splitNul(Files.readAllBytes(dir.resolve("cmdline")));
        } catch (IOException | SecurityException gone) {
            // A process that exits between reads keeps what was already read.
        }
        if (!Files.isDirectory(dir)) {
            return ProcessInfo.UNKNOWN;
        }
        return new ProcessInfo(pid, name.isEmpty() ? "unknown" : name, executable, commandLine);
    }

    private static long threadGroupOf(Path proc, long pid) {
        try (var lines = Files.lines(proc.resolve(pid + "/status"), StandardCharsets.UTF_8)) {
            return lines.filter(line -> line.startsWith("Tgid:"))
                    .mapToLong(line -> Long.parseLong(line.substring("Tgid:".length()).trim()))
                    .findFirst()
                    .orElse(pid);
        } catch (IOException | UncheckedIOException | NumberFormatException | SecurityException gone) {
            return pid;
        }
    }

    static List<String> splitNul(byte[] raw) {
        List<String> arguments = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                arguments.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < raw.length) {
            // Processes that rewrite their argv (setproctitle) may drop the final NUL.
            arguments.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
        }
        return arguments;
    }

    /** Tries the owners of recent connections first: a test's connections come from a handful of processes. */
    long findOwner(long inode) {
        String wanted = "socket:[" + inode + "]";
        List<Long> recent;
        synchronized (recentOwners) {
            recent = new ArrayList<>(recentOwners);
        }
        Collections.reverse(recent);
        for (long pid : recent) {
            if (holds(pid, wanted)) {
                remember(pid);
                return pid;
            }
        }
        for (long pid : allPidsNewestFirst()) {
            if (!recent.contains(pid) && holds(pid, wanted)) {
                remember(pid);
                return pid;
            }
        }
        return -1;
    }

    private void remember(long pid) {
        synchronized (recentOwners) {
            recentOwners.remove(pid);
            recentOwners.add(pid);
            if (recentOwners.size() > RECENT_OWNERS) {
                recentOwners.remove(recentOwners.iterator().next());
            }
        }
    }

    /** Newest first: apps a test just started carry high pids, long-lived daemons low ones (until pids wrap). */
    private List<Long> allPidsNewestFirst() {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc)) {
            for (Path entry : entries) {
                long pid = parsePid(entry.getFileName().toString());
                if (pid > 0) {
                    pids.add(pid);
                }
            }
        } catch (IOException | DirectoryIteratorException unreadable) {
            return List.of();
        }
        pids.sort(Comparator.reverseOrder());
        return pids;
    }

    private boolean holds(long pid, String wanted) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve(pid + "/fd"))) {
            for (Path fd : fds) {
                try {
                    if (wanted.equals(Files.readSymbolicLink(fd).toString())) {
                        return true;
                    }
                } catch (IOException closedMeanwhile) {
                    // The fd was closed between listing and reading; the next one may still match.
                }
            }
        } catch (IOException | DirectoryIteratorException | SecurityException exitedOrForbidden) {
            return false;
        }
        return false;
    }

    private static long parsePid(String name) {
        if (name.isEmpty() || name.length() > 10) {
            return -1;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(name);
    }
}
