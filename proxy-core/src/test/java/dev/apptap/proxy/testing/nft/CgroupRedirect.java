package dev.apptap.proxy.testing.nft;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test fixture that transparently redirects the TCP connections of the processes it starts to one local
 * port, the way apptap's OSPROXY mode does, but with nft instead of eBPF: a fresh cgroup v2 child plus an nft
 * table whose output {@code nat} chain redirects sockets of that cgroup only, IPv4 and IPv6, so that
 * {@code getsockopt(SO_ORIGINAL_DST)} on the accepted socket names where the app meant to go.
 *
 * <pre>{@code
 * assumeTrue(CgroupRedirect.isAvailable(), CgroupRedirect.unavailableReason());
 * try (CgroupRedirect redirect = CgroupRedirect.redirectTo(listenerPort)) {
 *     Process curl = redirect.command("curl", "-s", "http://127.0.0.2:9/").start();
 *     // the listener on 127.0.0.1:listenerPort (or [::1]:listenerPort) accepts curl's connection
 * }   // table deleted, leftover processes killed, cgroup removed
 * }</pre>
 *
 * Needs root, the {@code nft} program and a cgroup v2 hierarchy mounted under {@code /sys/fs/cgroup} (nft
 * resolves cgroup paths there). Names carry the owning JVM's pid, so {@link #cleanupStale()} removes what a
 * killed JVM left behind without touching fixtures of JVMs still running.
 */
public final class CgroupRedirect implements AutoCloseable {

    static final String TABLE_PREFIX = "apptap_test_";
    static final String CGROUP_PREFIX = "apptap-test-";
    /** Owner pid, then a random suffix: {@code apptap_test_4242_9f3a01bc} or {@code apptap-test-4242-9f3a01bc}. */
    private static final Pattern STALE_NAME = Pattern.compile("apptap[_-]test[_-](\\d+)[_-][0-9a-f]+");
    /** nft looks cgroup v2 paths up below this directory, whatever the host's mount layout. */
    private static final Path NFT_CGROUP_BASE = Path.of("/sys/fs/cgroup");
    private static final long NFT_TIMEOUT_SECONDS = 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int listenerPort;
    private final Path cgroup;
    private final String table;
    private final String nftCgroupPath;
    private final int level;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;

    private CgroupRedirect(int listenerPort, Path cgroup, String table, String nftCgroupPath, int level) {
        this.listenerPort = listenerPort;
        this.cgroup = cgroup;
        this.table = table;
        this.nftCgroupPath = nftCgroupPath;
        this.level = level;
        this.shutdownHook = new Thread(this::closeQuietly, "apptap-cgroup-redirect-cleanup-" + table);
    }

    /** Whether this host and JVM can create the fixture; {@link #unavailableReason()} says why not. */
    public static boolean isAvailable() {
        return Availability.REASON.isEmpty();
    }

    /** One sentence for {@code assumeTrue}: why the fixture cannot work here, or an empty string when it can. */
    public static String unavailableReason() {
        return Availability.REASON;
    }

    /**
     * Creates the cgroup and the nft table. Every TCP connection that a process in the cgroup opens to any port
     * but {@code listenerPort} goes to {@code 127.0.0.1:listenerPort} (IPv4) or {@code [::1]:listenerPort} (IPv6).
     * Also removes what killed JVMs left behind.
     *
     * @throws IOException with nft's own words when the table cannot be installed; nothing is left behind then
     */
    public static CgroupRedirect redirectTo(int listenerPort) throws IOException {
        if (listenerPort < 1 || listenerPort > 65535) {
            throw new IllegalArgumentException("The listener port must be between 1 and 65535, but it was "
                    + listenerPort + ".");
        }
        if (!isAvailable()) {
            throw new IOException(unavailableReason());
        }
        cleanupStale();
        Cgroup2Mount mount = Availability.MOUNT;
        String suffix = ProcessHandle.current().pid() + "_" + String.format(Locale.ROOT, "%08x", RANDOM.nextInt());
        Path cgroup = mount.mountPoint().resolve(CGROUP_PREFIX + suffix.replace('_', '-'));
        Files.createDirectory(cgroup);
        CgroupRedirect redirect = new CgroupRedirect(listenerPort, cgroup, TABLE_PREFIX + suffix,
                NFT_CGROUP_BASE.relativize(cgroup).toString(), mount.childLevel());
        // Hooked before the table exists: a JVM that dies half-way through still removes the cgroup.
        Runtime.getRuntime().addShutdownHook(redirect.shutdownHook);
        try {
            nft(redirect.ruleset());
        } catch (IOException | RuntimeException e) {
            redirect.closeQuietly();
            throw e;
        }
        return redirect;
    }

    /** The nft script this fixture installs; package-private so that tests can show the rules they ran under. */
    String ruleset() {
        // "socket cgroupv2" compares the level-N ancestor of the socket's cgroup, so descendants match as well,
        // and "inet" makes one chain serve IPv4 and IPv6. The dport exclusion keeps the listener reachable.
        return "table inet " + table + " {\n"
                + "  chain output {\n"
                + "    type nat hook output priority -100; policy accept;\n"
                + "    socket cgroupv2 level " + level + " \"" + nftCgroupPath + "\" meta l4proto tcp tcp dport != "
                + listenerPort + " redirect to :" + listenerPort + "\n"
                + "  }\n"
                + "}\n";
    }

    public int listenerPort() {
        return listenerPort;
    }

    /** The cgroup directory, e.g. {@code /sys/fs/cgroup/unified/apptap-test-4242-9f3a01bc}. */
    public Path cgroup() {
        return cgroup;
    }

    /** The nft table's name (family {@code inet}), e.g. {@code apptap_test_4242_9f3a01bc}. */
    public String table() {
        return table;
    }

    /**
     * A process builder whose command joins the cgroup before it runs: a shell writes its own pid to
     * {@code cgroup.procs} and then {@code exec}s the command, so the command's pid is the process's pid and
     * every socket it opens is redirected. Environment, directory and redirects are the caller's to set.
     */
    public ProcessBuilder command(String... command) {
        return command(List.of(command));
    }

    /** Like {@link #command(String...)}. */
    public ProcessBuilder command(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("The command to run in the cgroup must name a program, but it "
                    + "was empty.");
        }
        requireOpen();
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "echo $$ > \"$1\" && shift && exec \"$@\"",
                "apptap-cgroup", cgroup.resolve("cgroup.procs").toString()));
        argv.addAll(command);
        return new ProcessBuilder(argv);
    }

    /** Starts {@code command} in the cgroup with {@code environment} added to this JVM's environment. */
    public Process start(List<String> command, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = command(command);
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** The pids now in the cgroup (processes started through this fixture and their children). */
    public List<Long> pids() {
        return readPids(cgroup);
    }

    /**
     * Deletes the nft table, kills whatever still runs in the cgroup and removes the cgroup. Idempotent.
     *
     * @throws IllegalStateException naming what could not be removed
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<String> problems = new ArrayList<>();
        try {
            if (tableExists(table)) {
                nft("delete table inet " + table + "\n");
            }
        } catch (IOException | RuntimeException e) {
            problems.add("the nft table inet " + table + " (" + e.getMessage() + ")");
        }
        try {
            killAndRemove(cgroup);
        } catch (IOException | RuntimeException e) {
            problems.add("the cgroup " + cgroup + " (" + e.getMessage() + ")");
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or about to; it finds this fixture closed and returns.
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("CgroupRedirect could not remove " + String.join(" and ", problems)
                    + "; CgroupRedirect.cleanupStale() removes it once this JVM has exited.");
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            System.err.println(e.getMessage());
        }
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("This CgroupRedirect (table " + table + ") is closed; create a new one "
                    + "to start more processes.");
        }
    }

    /**
     * Removes {@code apptap_test_*} nft tables and empty {@code apptap-test-*} cgroups whose owning JVM is gone,
     * for example after {@code kill -9} of a test run. Leaves those of running JVMs alone, so parallel builds on
     * one machine do not break each other. Does nothing when the fixture is unavailable.
     */
    public static void cleanupStale() {
        if (!isAvailable()) {
            return;
        }
        try {
            for (String line : nft("list tables\n").split("\n")) {
                String[] words = line.trim().split("\\s+");
                if (words.length == 3 && words[0].equals("table") && words[1].equals("inet")
                        && words[2].startsWith(TABLE_PREFIX) && ownerIsGone(words[2])) {
                    try {
                        nft("delete table inet " + words[2] + "\n");
                    } catch (IOException raced) {
                        // Another JVM cleaned it up first.
                    }
                }
            }
        } catch (IOException ignored) {
            // Stale tables are harmless to this run: their cgroups hold no live processes of ours.
        }
        try (DirectoryStream<Path> cgroups = Files.newDirectoryStream(Availability.MOUNT.mountPoint(),
                CGROUP_PREFIX + "*")) {
            for (Path stale : cgroups) {
                if (ownerIsGone(stale.getFileName().toString()) && readPids(stale).isEmpty()) {
                    try {
                        Files.delete(stale);
                    } catch (IOException busyOrRaced) {
                        // A process moved in meanwhile, or another JVM removed it first.
                    }
                }
            }
        } catch (IOException ignored) {
            // Nothing to clean without a readable hierarchy.
        }
    }

    static boolean ownerIsGone(String name) {
        Matcher matcher = STALE_NAME.matcher(name);
        if (!matcher.matches()) {
            return false; // not ours: someone else's naming, leave it
        }
        return ProcessHandle.of(Long.parseLong(matcher.group(1))).map(p -> !p.isAlive()).orElse(true);
    }

    private static void killAndRemove(Path cgroup) throws IOException {
        if (!Files.isDirectory(cgroup)) {
            return;
        }
        Path kill = cgroup.resolve("cgroup.kill");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<Long> pids = readPids(cgroup);
            if (!pids.isEmpty()) {
                // cgroup.kill (Linux 5.14+) also catches children forked while we look; older kernels get a loop.
                if (Files.exists(kill)) {
                    Files.writeString(kill, "1");
                } else {
                    pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
                }
            }
            try {
                Files.delete(cgroup);
                return;
            } catch (NoSuchFileException gone) {
                return;
            } catch (IOException busy) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("it still holds processes " + readPids(cgroup) + " after 10 seconds of "
                            + "killing them", busy);
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("cleanup was interrupted while processes in it were dying", e);
            }
        }
    }

    private static List<Long> readPids(Path cgroup) {
        List<Long> pids = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(cgroup.resolve("cgroup.procs"))) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.trim()));
                }
            }
        } catch (IOException gone) {
            // A removed cgroup holds nothing.
        }
        return pids;
    }

    private static boolean tableExists(String table) throws IOException {
        return nft("list tables\n").lines().anyMatch(line -> line.trim().equals("table inet " + table));
    }

    /** Runs an nft script from standard input and returns its output; the exception carries nft's message. */
    static String nft(String script) throws IOException {
        Process process = new ProcessBuilder(Availability.NFT.toString(), "-f", "-").redirectErrorStream(true).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(script.getBytes(StandardCharsets.UTF_8));
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (InputStream out = process.getInputStream()) {
            out.transferTo(output);
        }
        try {
            if (!process.waitFor(NFT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("nft did not finish within " + NFT_TIMEOUT_SECONDS + " seconds.");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting for nft.", e);
        }
        String text = output.toString(StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException("nft exited with status " + process.exitValue() + " for the script:\n" + script
                    + "It said:\n" + text.strip());
        }
        return text;
    }

    /** Probed once per JVM: the answer does not change while tests run. */
    private static final class Availability {
        static final Cgroup2Mount MOUNT = Cgroup2Mount.find().orElse(null);
        static final Path NFT = findNft().orElse(null);
        static final String REASON = probe();

        private static String probe() {
            if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
                return "CgroupRedirect needs Linux (cgroup v2 and nftables), but this is "
                        + System.getProperty("os.name") + ".";
            }
            try {
                Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
                if (!Integer.valueOf(0).equals(uid)) {
                    return "CgroupRedirect needs root to create cgroups and nft tables, but this JVM runs as uid "
                            + uid + ".";
                }
            } catch (IOException | UnsupportedOperationException e) {
                return "CgroupRedirect could not tell whether this JVM runs as root (" + e.getMessage() + ").";
            }
            if (NFT == null) {
                return "CgroupRedirect needs the nft program, but it is neither on the PATH nor in /usr/sbin or "
                        + "/sbin; run .ci/install-packages.sh to install nftables.";
            }
            if (MOUNT == null) {
                return "CgroupRedirect needs a cgroup v2 hierarchy, but /proc/self/mountinfo lists no cgroup2 "
                        + "mount.";
            }
            if (!MOUNT.mountPoint().startsWith(NFT_CGROUP_BASE)) {
                return "CgroupRedirect needs the cgroup v2 hierarchy under /sys/fs/cgroup, where nft looks cgroup "
                        + "paths up, but it is mounted at " + MOUNT.mountPoint() + ".";
            }
            if (!Files.isWritable(MOUNT.mountPoint())) {
                return "CgroupRedirect cannot create cgroups because " + MOUNT.mountPoint() + " is read-only here.";
            }
            try {
                nft("list tables\n");
            } catch (IOException e) {
                return "CgroupRedirect cannot use nft here (" + e.getMessage().replace('\n', ' ')
                        + "); a container needs CAP_NET_ADMIN.";
            }
            return "";
        }

        private static Optional<Path> findNft() {
            List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
            // Maven and CI shells often leave the sbin directories off root's PATH.
            dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin"));
            return dirs.stream()
                    .filter(dir -> !dir.isEmpty())
                    .map(dir -> Path.of(dir, "nft"))
                    .filter(Files::isExecutable)
                    .findFirst();
        }
    }
}
