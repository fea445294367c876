package dev.apptap.proxy.origin;

import dev.apptap.flow.ProcessInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    private final Path proc;
    private final SocketOwners owners;
    /**
     * Descriptions of recent owners. A pid is reused only by a new process, whose {@code /proc/<pid>} directory is
     * another inode, and exec changes the executable, so both are checked before a cached description is trusted.
     */
    private final Map<Long, Described> described = Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, Described> eldest) {
                    return size() > 256;
                }
            });

    private record Described(Object directory, String executable, ProcessInfo info) {
    }

    public ProcfsProcessResolver() {
        this(Path.of("/proc"));
    }

    ProcfsProcessResolver(Path proc) {
        this.proc = proc;
        this.owners = new SocketOwners(proc);
    }

    @Override
    public ProcessInfo resolve(InetSocketAddress app, InetSocketAddress peer) {
        // One exact netlink lookup when the app's socket still names apptap's listener as its peer (eBPF
        // redirects, explicit proxy); /proc/net/tcp, which also finds nft-redirected sockets, otherwise.
        long inode = SockDiag.inode(app, peer);
        if (inode <= 0) {
            inode = ProcNetTcp.findInode(proc, app, peer);
        }
        if (inode <= 0) {
            return ProcessInfo.UNKNOWN;
        }
        long pid = findOwner(inode);
        return pid < 0 ? ProcessInfo.UNKNOWN : describe(pid);
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
        ProcessInfo process = new ProcessInfo(pid, name.isEmpty() ? "unknown" : name, executable, commandLine);
        return Containers.system().of(proc, pid).map(process::inContainer).orElse(process);
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

    /** {@link #ofPid}, remembered while the process stays the same. */
    @Override
    public ProcessInfo describe(long pid) {
        Path dir = proc.resolve(Long.toString(pid));
        Object directory = directoryKey(dir);
        String executable;
        try {
            executable = Files.readSymbolicLink(dir.resolve("exe")).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException unreadable) {
            executable = "";
        }
        Described known = described.get(pid);
        if (known != null && directory != null && known.directory.equals(directory)
                && known.executable.equals(executable)) {
            return known.info;
        }
        ProcessInfo info = ofPid(proc, pid);
        if (directory != null && info.isKnown() && info.pid() == pid) {
            described.put(pid, new Described(directory, executable, info));
        }
        return info;
    }

    /**
     * Which {@code /proc/<pid>} this is: procfs numbers a process's directory from a counter when it first looks it
     * up and keeps that inode while the process lives, so a new process with a reused pid gets another one (and a
     * directory evicted from the cache only costs a fresh description). One {@code stat}, where reading the start
     * time from {@code /proc/<pid>/stat} cost 2% of the machine on a benchmark of a new connection per request.
     *
     * @return the directory's file key, or null when it is gone or unreadable
     */
    private static Object directoryKey(Path dir) {
        try {
            return Files.readAttributes(dir, BasicFileAttributes.class).fileKey();
        } catch (IOException | SecurityException gone) {
            return null;
        }
    }

    long findOwner(long inode) {
        return owners.ownerOf(inode);
    }
}
