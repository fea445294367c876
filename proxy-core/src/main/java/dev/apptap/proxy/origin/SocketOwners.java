package dev.apptap.proxy.origin;

import java.io.IOException;
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
 * Finds which process holds a socket, by its inode, through {@code /proc/<pid>/fd}: shared by the TCP and UDP
 * process lookups. Thread-safe.
 *
 * <pre>{@code
 * long pid = new SocketOwners(Path.of("/proc")).ownerOf(inodeFromProcNetUdp);
 * }</pre>
 */
public final class SocketOwners {

    /** How many recent owners are tried before the full scan; tests rarely drive more apps at once. */
    private static final int RECENT_OWNERS = 8;

    private final Path proc;
    /** Most recent last. Holds pids, never inode-to-pid answers, so a reused inode or pid cannot mislead. */
    private final LinkedHashSet<Long> recentOwners = new LinkedHashSet<>();

    public SocketOwners(Path proc) {
        this.proc = proc;
    }

    /**
     * The pid of the process holding the socket {@code inode}, or -1. Tries the owners of recent sockets first:
     * a test's connections come from a handful of processes.
     */
    public long ownerOf(long inode) {
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

    /** Highest descriptors first: a socket just opened usually got the highest free number. */
    private boolean holds(long pid, String wanted) {
        List<Path> descriptors = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve(pid + "/fd"))) {
            for (Path fd : fds) {
                descriptors.add(fd);
            }
        } catch (IOException | DirectoryIteratorException | SecurityException exitedOrForbidden) {
            return false;
        }
        descriptors.sort(Comparator.comparingLong((Path fd) -> parsePid(fd.getFileName().toString())).reversed());
        for (Path fd : descriptors) {
            try {
                if (wanted.equals(Files.readSymbolicLink(fd).toString())) {
                    return true;
                }
            } catch (IOException closedMeanwhile) {
                // The fd was closed between listing and reading; the next one may still match.
            }
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
