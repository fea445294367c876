package dev.apptap.redirector.linux;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.apptap.proxy.redirect.InterceptScope;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Linux redirector: loads {@code redirect.bpf.o} through libbpf, attaches its programs to the cgroup-v2 root
 * with BPF links, and turns each {@link InterceptSpec} into map updates.
 *
 * <p>The links live only in this process's file descriptors, never pinned in bpffs: when the JVM exits, even by
 * {@code kill -9}, the kernel closes them and detaches every program. {@link #close()} does the same earlier.
 */
final class EbpfRedirector implements Redirector {

    static final String OBJECT_RESOURCE = "redirect.bpf.o";

    /** Programs attached to the cgroup-v2 root. */
    private static final List<String> CGROUP_PROGRAMS = List.of("apptap_connect4", "apptap_connect6",
            "apptap_sendmsg4", "apptap_sendmsg6", "apptap_recvmsg4", "apptap_recvmsg6", "apptap_getpeername4",
            "apptap_getpeername6", "apptap_sockops",
            "apptap_getsockopt");
    /** Raw tracepoints; their section names say where libbpf attaches them. */
    private static final List<String> TRACING_PROGRAMS = List.of("apptap_fork", "apptap_exec", "apptap_exit");

    private static final Deque<String> LOG = new ArrayDeque<>();
    /** Held strongly: libbpf keeps calling it. */
    private static final Libbpf.PrintFn PRINT = (level, format, args) -> {
        if (level <= 1) { // LIBBPF_WARN, LIBBPF_INFO
            byte[] buffer = new byte[1024];
            int n = LibC.INSTANCE.vsnprintf(buffer, buffer.length, format, args);
            String line = new String(buffer, 0, Math.max(0, Math.min(n, buffer.length - 1))).stripTrailing();
            synchronized (LOG) {
                LOG.addLast(line);
                while (LOG.size() > 60) {
                    LOG.removeFirst();
                }
            }
        }
        return 0;
    };

    private final Libbpf bpf;
    private final RedirectTarget target;
    private final Path cgroup;
    private final Memory image;
    private final Pointer object;
    private final List<Pointer> links = new ArrayList<>();
    private final int configFd;
    private final int procsFd;
    private final int namesFd;
    private final int excludedFd;
    private final int scopeFd;
    private NetnsListeners namespaces;
    private final Set<String> namesInMap = new HashSet<>();
    private InterceptSpec spec = InterceptSpec.NOTHING;
    private InterceptScope scope = InterceptScope.MACHINE;
    /** The root whose descendants the {@code scope} map holds (the fork tracepoint keeps it current); 0 for none. */
    private long scopeRootInMap;
    /** The scope root's ancestors as they were when the scope was set: they wait for it, so they do not change. */
    private Map<Long, Procfs.Proc> scopeAncestors = Map.of();
    private volatile SwapTiming lastSwap = new SwapTiming(Duration.ZERO, Duration.ZERO, 0);
    private boolean closed;

    /** How long the last {@link #intercept} took: the map updates, and reading /proc for running processes. */
    record SwapTiming(Duration maps, Duration procScan, int processEntries) {
    }

    private EbpfRedirector(Libbpf bpf, RedirectTarget target, Path cgroup, Memory image, Pointer object) {
        this.bpf = bpf;
        this.target = target;
        this.cgroup = cgroup;
        this.image = image;
        this.object = object;
        this.configFd = mapFd("config");
        this.procsFd = mapFd("procs");
        this.namesFd = mapFd("names");
        this.excludedFd = mapFd("excluded");
        this.scopeFd = mapFd("scope");
    }

    static EbpfRedirector start(RedirectTarget target, Path cgroup) throws IOException {
        if (!(target.tcpIpv4().getAddress() instanceof Inet4Address)) {
            throw new IllegalArgumentException("The IPv4 listener must have an IPv4 address, but was " + target.tcpIpv4());
        }
        if (target.dns().isPresent() && !(target.dns().get().getAddress() instanceof Inet4Address)) {
            throw new IllegalArgumentException("apptap's Linux redirector sends DNS to an IPv4 loopback responder,"
                    + " but the target names " + target.dns().get() + ".");
        }
        Libbpf bpf = Libbpf.load();
        bpf.libbpf_set_print(PRINT);
        byte[] bytes;
        try (InputStream in = EbpfRedirector.class.getResourceAsStream(OBJECT_RESOURCE)) {
            if (in == null) {
                throw new IOException("The eBPF object " + OBJECT_RESOURCE + " is missing from apptap-redirector-linux's jar.");
            }
            bytes = in.readAllBytes();
        }
        Memory image = new Memory(bytes.length);
        image.write(0, bytes, 0, bytes.length);
        Pointer object = bpf.bpf_object__open_mem(image, bytes.length, null);
        if (object == null) {
            throw failure("open the eBPF object", Native.getLastError());
        }
        int rc = bpf.bpf_object__load(object);
        if (rc != 0) {
            bpf.bpf_object__close(object);
            throw failure("load the eBPF programs into the kernel", -rc);
        }
        EbpfRedirector redirector = new EbpfRedirector(bpf, target, cgroup, image, object);
        try {
            redirector.configure();
            redirector.namespaces = new NetnsListeners(bpf, redirector.mapFd("netns_ready"),
                    redirector.mapFd("netns_events"), target.namespaces());
            redirector.attach();
        } catch (IOException | RuntimeException e) {
            redirector.close();
            throw e;
        }
        return redirector;
    }

    private void configure() throws IOException {
        writeConfig(false, false);
        Set<Long> excluded = new HashSet<>(target.excludedPids());
        excluded.add(ProcessHandle.current().pid());
        for (long pid : excluded) {
            update(excludedFd, u32(pid), new byte[] {1}, "excluded");
        }
    }

    private void writeConfig(boolean defaultIntercept, boolean scoped) throws IOException {
        ByteBuffer config = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder());
        config.putInt(0, target.tcpIpv4().getPort());
        config.putInt(4, target.tcpIpv6().getPort());
        if (target.dns().isPresent()) {
            InetSocketAddress dns = target.dns().get();
            config.putInt(8, dns.getPort());
            config.put(12, dns.getAddress().getAddress(), 0, 4); // network order, as the kernel compares it
        }
        config.putInt(16, defaultIntercept ? 1 : 0);
        config.putInt(20, scoped ? 1 : 0);
        config.putInt(24, target.explicitProxy().map(InetSocketAddress::getPort).orElse(0));
        config.putInt(28, target.namespaces().isPresent() ? 1 : 0);
        update(configFd, u32(0), config.array(), "config");
    }

    private void attach() throws IOException {
        int fd = LibC.INSTANCE.open(cgroup.toString(), LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("apptap could not open the cgroup-v2 root " + cgroup + " (errno "
                    + Native.getLastError() + ") to attach its eBPF programs.");
        }
        try {
            for (String name : CGROUP_PROGRAMS) {
                Pointer link = bpf.bpf_program__attach_cgroup(program(name), fd);
                if (link == null) {
                    throw failure("attach " + name + " to " + cgroup, Native.getLastError());
                }
                links.add(link);
            }
        } finally {
            LibC.INSTANCE.close(fd);
        }
        for (String name : TRACING_PROGRAMS) {
            Pointer link = bpf.bpf_program__attach(program(name));
            if (link == null) {
                throw failure("attach " + name, Native.getLastError());
            }
            links.add(link);
        }
    }

    @Override
    public synchronized void intercept(InterceptSpec newSpec, InterceptScope newScope) {
        if (closed) {
            throw new IllegalStateException("This redirector is closed.");
        }
        try {
            KernelPlan plan = new KernelPlan(newSpec);
            long start = System.nanoTime();
            // Names first: a process that execs from here on is judged by the new spec ...
            Set<String> wanted = new HashSet<>();
            for (Map.Entry<String, KernelPlan.NameVerdict> e : plan.names().entrySet()) {
                byte[] key = KernelPlan.nameKey(e.getKey());
                if (key != null) {
                    update(namesFd, key, e.getValue().bytes(), "names");
                    wanted.add(e.getKey());
                }
            }
            for (String stale : namesInMap) {
                if (!wanted.contains(stale)) {
                    bpf.bpf_map_delete_elem(namesFd, KernelPlan.nameKey(stale));
                }
            }
            namesInMap.clear();
            namesInMap.addAll(wanted);
            if (!newScope.machineWide()) {
                fillScope(newScope.root().getAsLong());
            }
            writeConfig(plan.defaultIntercept(), !newScope.machineWide());
            long mapsDone = System.nanoTime();
            // ... and the processes running now by what /proc says about them. Other tests' apps run meanwhile (the
            // spec is the union of the running tests'), so no entry may go missing on the way: new entries are
            // written over the old ones, and only entries that existed before the scan and are not wanted now are
            // deleted, never one the exec tracepoint made for a process that started after the scan.
            List<Long> before = keys(procsFd);
            // A spec that intercepts nothing (the JUnit extension's between tests) needs no process entries at all.
            Map<Long, KernelPlan.Verdict> entries = plan.interceptsNothing() ? Map.of()
                    : plan.processes(running(newScope));
            long scanned = System.nanoTime();
            for (Map.Entry<Long, KernelPlan.Verdict> e : entries.entrySet()) {
                if (e.getValue().intercept()) {
                    namespaces.prepare(e.getKey()); // a process in a container: the engine must listen there first
                }
                update(procsFd, u32(e.getKey()), e.getValue().bytes(), "procs");
            }
            for (long stale : before) {
                if (!entries.containsKey(stale)) {
                    bpf.bpf_map_delete_elem(procsFd, u32(stale));
                }
            }
            long end = System.nanoTime();
            lastSwap = new SwapTiming(Duration.ofNanos((mapsDone - start) + (end - scanned)),
                    Duration.ofNanos(scanned - mapsDone), entries.size());
            spec = newSpec;
            scope = newScope;
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * The processes whose verdicts matter: machine-wide every one; scoped, only those in the {@code scope} map (the
     * kernel ignores the rest) and the root's ancestors (read when the scope was set), whose verdicts its descendants
     * inherit. Reading those few instead of all of /proc is what keeps a test's spec swap cheap on a busy machine.
     */
    private Map<Long, Procfs.Proc> running(InterceptScope newScope) {
        if (newScope.machineWide()) {
            return Procfs.snapshot();
        }
        Map<Long, Procfs.Proc> running = Procfs.snapshotOf(keys(scopeFd));
        scopeAncestors.forEach(running::putIfAbsent);
        return running;
    }

    /**
     * Puts {@code root} and its running descendants into the {@code scope} map, before the config turns scoping on:
     * from the root's entry on, the fork tracepoint adds every new child in the kernel, so the map stays current
     * and a later call with the same root has nothing to do.
     */
    private void fillScope(long root) throws IOException {
        if (root == scopeRootInMap) {
            return;
        }
        clear(scopeFd, 4);
        byte[] one = {1};
        update(scopeFd, u32(root), one, "scope");
        for (long pid : Procfs.descendants(root, Procfs.snapshot())) {
            update(scopeFd, u32(pid), one, "scope");
        }
        scopeRootInMap = root;
        scopeAncestors = Procfs.snapshotOf(Procfs.ancestors(root));
    }

    @Override
    public synchronized InterceptSpec spec() {
        return spec;
    }

    @Override
    public synchronized InterceptScope scope() {
        return scope;
    }

    SwapTiming lastSwap() {
        return lastSwap;
    }

    @Override
    public String describe() {
        return "linux-ebpf: connect4/6, sendmsg4/6, recvmsg4/6, getpeername4/6, sock_ops and getsockopt programs on the cgroup-v2 root "
                + cgroup + ", fork/exec/exit tracepoints; TCP to " + authority(target.tcpIpv4()) + " and "
                + authority(target.tcpIpv6())
                + target.dns().map(d -> ", DNS to " + authority(d)).orElse(", DNS not intercepted")
                + "; intercepting '" + spec + "' " + (scope.machineWide() ? "machine-wide"
                : "among pid " + scope.root().getAsLong() + " and its descendants");
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Pointer link : links) {
            bpf.bpf_link__destroy(link);
        }
        links.clear();
        if (namespaces != null) {
            namespaces.close();
        }
        bpf.bpf_object__close(object);
        image.close();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private Pointer program(String name) throws IOException {
        Pointer program = bpf.bpf_object__find_program_by_name(object, name);
        if (program == null) {
            throw new IOException("The eBPF object has no program " + name + "; rebuild it with src/main/bpf/build.sh.");
        }
        return program;
    }

    private int mapFd(String name) {
        Pointer map = bpf.bpf_object__find_map_by_name(object, name);
        if (map == null) {
            throw new IllegalStateException("The eBPF object has no map " + name + "; rebuild it with src/main/bpf/build.sh.");
        }
        return bpf.bpf_map__fd(map);
    }

    private void update(int fd, byte[] key, byte[] value, String map) throws IOException {
        int rc = bpf.bpf_map_update_elem(fd, key, value, 0);
        if (rc != 0) {
            throw new IOException("apptap could not update the eBPF map " + map + " (errno " + -rc + ").");
        }
    }

    /** The keys of a map with 4-byte keys (tgids). */
    private List<Long> keys(int fd) {
        List<Long> keys = new ArrayList<>();
        byte[] key = null;
        byte[] next = new byte[4];
        while (bpf.bpf_map_get_next_key(fd, key, next) == 0) {
            keys.add(Integer.toUnsignedLong(ByteBuffer.wrap(next).order(ByteOrder.nativeOrder()).getInt(0)));
            key = next.clone();
        }
        return keys;
    }

    private void clear(int fd, int keySize) {
        byte[] key = new byte[keySize];
        byte[] next = new byte[keySize];
        // Always restart from the first key: deleting the current key breaks iteration.
        while (bpf.bpf_map_get_next_key(fd, null, next) == 0) {
            System.arraycopy(next, 0, key, 0, keySize);
            if (bpf.bpf_map_delete_elem(fd, key) != 0) {
                break;
            }
        }
    }

    private static byte[] u32(long value) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, (int) value).array();
    }

    private static String authority(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static IOException failure(String what, int errno) {
        String log;
        synchronized (LOG) {
            log = String.join("\n", LOG);
            LOG.clear();
        }
        return new IOException("apptap could not " + what + " (errno " + errno + ")"
                + (log.isEmpty() ? "." : "; libbpf said:\n" + log));
    }
}
