package dev.apptap.redirector.linux;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.apptap.proxy.netns.NetworkNamespace;
import dev.apptap.proxy.redirect.NamespaceListeners;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's listeners in other network namespaces (containers), kept in step with the {@code netns_ready} map:
 * a namespace is prepared when an intercepted program starts in it (the exec tracepoint stops the process and reports
 * it through the {@code netns_events} ring buffer; this class opens the listeners, lists the namespace and continues
 * the process), when a spec change finds an intercepted process already running in it, or when a process the spec's
 * default intercepts had a connect refused there (reported too; its next connection finds the engine). A namespace whose last
 * process is gone is forgotten and its listeners closed (they would otherwise keep the namespace alive).
 *
 * <p>Why stop at exec rather than watch Docker: the kernel sees every container runtime (Docker, Podman, containerd,
 * {@code unshare}), and stopping the process before its first instruction leaves no window in which its first
 * connection could find nothing listening. Watching Docker's events would come after the process had started.
 */
final class NetnsListeners implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NetnsListeners.class.getName());
    private static final byte READY = 1;
    private static final byte FAILED = 2;
    private static final long REAP_EVERY_NANOS = 2_000_000_000L;

    private final Libbpf bpf;
    private final int readyFd;
    private final Optional<NamespaceListeners> opener;
    private final String ownIdentity;
    /** By namespace identity ({@code net:[4026532281]}). */
    private final Map<String, Prepared> prepared = new ConcurrentHashMap<>();
    /** Held strongly: libbpf calls it while polling. */
    private final Libbpf.RingSample onEvent = this::onEvent;
    private final Pointer ring;
    private final Thread poller;
    private volatile boolean closed;

    private record Prepared(long cookie, AutoCloseable listeners) {
    }

    NetnsListeners(Libbpf bpf, int readyFd, int eventsFd, Optional<NamespaceListeners> opener) throws IOException {
        this.bpf = bpf;
        this.readyFd = readyFd;
        this.opener = opener;
        this.ownIdentity = NetworkNamespace.ofProcess(ProcessHandle.current().pid()).identity();
        update(cookieHere(), READY);
        if (opener.isEmpty()) {
            ring = null;
            poller = null;
            return;
        }
        ring = bpf.ring_buffer__new(eventsFd, onEvent, null, null);
        if (ring == null) {
            throw new IOException("apptap could not read the eBPF ring buffer netns_events (errno "
                    + Native.getLastError() + ").");
        }
        poller = new Thread(this::poll, "apptap-netns-events");
        poller.setDaemon(true);
        poller.start();
    }

    /**
     * Makes sure the engine listens in {@code pid}'s network namespace, if it differs from the JVM's: for a process
     * a spec change intercepts while it runs. Without an opener (the sudo helper) the namespace stays unlisted, so
     * the process's connects are refused.
     */
    void prepare(long pid) {
        if (opener.isEmpty()) {
            return;
        }
        NetworkNamespace namespace = NetworkNamespace.ofProcess(pid);
        String identity;
        try {
            identity = namespace.identity();
        } catch (IOException gone) {
            return;
        }
        if (identity.equals(ownIdentity) || prepared.containsKey(identity)) {
            return;
        }
        synchronized (this) {
            if (closed || prepared.containsKey(identity)) {
                return;
            }
            long cookie;
            try {
                cookie = namespace.call(NetnsListeners::cookieHere);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, e.getMessage());
                return;
            }
            try {
                AutoCloseable listeners = opener.get().openIn(namespace);
                prepared.put(identity, new Prepared(cookie, listeners));
                update(cookie, READY);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "apptap could not listen in the network namespace of process "
                        + pid + " (" + identity + "), so that process's connections are refused: " + e.getMessage());
                update(cookie, FAILED);
            }
        }
    }

    /** {@code struct netns_event { u64 netns; u32 tgid; u32 held; }}. */
    private int onEvent(Pointer context, Pointer data, long size) {
        if (size < 16) {
            return 0;
        }
        int tgid = data.getInt(8);
        boolean held = data.getInt(12) != 0;
        try {
            prepare(Integer.toUnsignedLong(tgid));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "apptap could not prepare the network namespace of process " + tgid
                    + ": " + e);
        } finally {
            if (held) {
                // Stopped by the exec tracepoint until now; continued whatever happened, never left stopped.
                LibC.INSTANCE.kill(tgid, LibC.SIGCONT);
            }
        }
        return 0;
    }

    private void poll() {
        long lastReap = System.nanoTime();
        while (!closed) {
            bpf.ring_buffer__poll(ring, 200);
            if (System.nanoTime() - lastReap > REAP_EVERY_NANOS) {
                reap();
                lastReap = System.nanoTime();
            }
        }
    }

    /** Forgets namespaces no process lives in any more: a container that ended. */
    void reap() {
        if (prepared.isEmpty()) {
            return;
        }
        Set<String> alive = new HashSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path entry : entries) {
                try {
                    alive.add(Files.readSymbolicLink(entry.resolve("ns/net")).toString());
                } catch (IOException exited) {
                    // gone between listing and reading
                }
            }
        } catch (IOException e) {
            return;
        }
        synchronized (this) {
            for (String identity : Set.copyOf(prepared.keySet())) {
                if (!alive.contains(identity)) {
                    forget(identity);
                }
            }
        }
    }

    private void forget(String identity) {
        Prepared gone = prepared.remove(identity);
        if (gone == null) {
            return;
        }
        bpf.bpf_map_delete_elem(readyFd, u64(gone.cookie()));
        try {
            gone.listeners().close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "Closing apptap's listeners in " + identity + " failed: " + e);
        }
    }

    /** How many other namespaces the engine listens in now; for tests and reports. */
    int namespaces() {
        return prepared.size();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            for (String identity : Set.copyOf(prepared.keySet())) {
                forget(identity);
            }
        }
        if (poller != null) {
            try {
                poller.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            bpf.ring_buffer__free(ring);
        }
    }

    private void update(long cookie, byte state) {
        int rc = bpf.bpf_map_update_elem(readyFd, u64(cookie), new byte[] {state}, 0);
        if (rc != 0) {
            LOG.log(System.Logger.Level.WARNING, "apptap could not update the eBPF map netns_ready (errno " + -rc + ").");
        }
    }

    /** The cookie of the calling thread's network namespace (SO_NETNS_COOKIE of a fresh socket, kernel 5.14+). */
    static long cookieHere() throws IOException {
        int fd = LibC.INSTANCE.socket(LibC.AF_INET, LibC.SOCK_DGRAM, 0);
        if (fd < 0) {
            throw new IOException("apptap could not create a socket to read its network namespace's cookie (errno "
                    + Native.getLastError() + ").");
        }
        try {
            byte[] value = new byte[8];
            int[] length = {8};
            if (LibC.INSTANCE.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_NETNS_COOKIE, value, length) != 0) {
                throw new IOException("apptap could not read its network namespace's cookie (errno "
                        + Native.getLastError() + "); SO_NETNS_COOKIE needs Linux 5.14 or later.");
            }
            return ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getLong();
        } finally {
            LibC.INSTANCE.close(fd);
        }
    }

    private static byte[] u64(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, value).array();
    }
}
