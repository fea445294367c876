package dev.apptap.redirector.linux;

import dev.apptap.proxy.redirect.InterceptScope;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectTarget;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The root side of the {@code sudo -n} path: {@code apptap-redirector-helper} runs this as root for an unprivileged
 * JVM, loads the programs, holds their links, and changes the spec when told. It speaks lines over stdin/stdout
 * ({@link SudoHelper} is the other end):
 *
 * <pre>
 * helper: HELLO &lt;helper pid&gt;
 * jvm:    START &lt;ipv4 port&gt; &lt;ipv6 port&gt; &lt;dns ipv4:port or -&gt; &lt;excluded pids, comma-separated, or -&gt;
 *              &lt;explicit proxy port on 127.0.0.1 or -&gt;
 * helper: OK | ERR &lt;sentence&gt;
 * jvm:    SPEC &lt;scope&gt; &lt;spec&gt;  (scope: machine, or the pid whose descendants may be intercepted;
 *                                an empty spec intercepts nothing)
 * helper: OK | ERR &lt;sentence&gt;
 * jvm:    DESCRIBE
 * helper: OK &lt;one line&gt;
 * jvm:    STOP
 * helper: OK, then exits
 * </pre>
 *
 * <p>It exits when stdin ends (the JVM closed it or died: the pipe's only writer is gone) and when the JVM's pid,
 * given on the command line, is no longer alive; either way the links close with this process. Whoever may run it
 * can send any process's connections to a port on loopback, so the listener and responder must be on loopback
 * here: the helper refuses to send traffic anywhere else.
 *
 * <p>{@code --check} prints {@code OK}, or the reason this machine cannot load the programs, and exits 0 or 1.
 */
public final class HelperMain {

    private HelperMain() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (args.length == 1 && args[0].equals("--check")) {
            Optional<String> why = LinuxRedirectorProvider.effectiveUid() != 0
                    ? Optional.of("apptap-redirector-helper must run as root (through sudo).")
                    : LinuxRedirectorProvider.kernelReason();
            out.println(why.orElse("OK"));
            System.exit(why.isPresent() ? 1 : 0);
        }
        if (args.length != 2 || !args[0].equals("--serve") || !args[1].matches("[0-9]{1,10}")) {
            System.err.println("usage: apptap-redirector-helper --check | --serve <pid of the JVM it serves>");
            System.exit(2);
        }
        long parent = Long.parseLong(args[1]);
        watchParent(parent);
        System.exit(serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), out, parent));
    }

    static int serve(BufferedReader in, PrintStream out, long parent) throws Exception {
        out.println("HELLO " + ProcessHandle.current().pid());
        EbpfRedirector redirector = null;
        try {
            for (String line; (line = in.readLine()) != null; ) {
                String command = line.contains(" ") ? line.substring(0, line.indexOf(' ')) : line;
                String rest = line.contains(" ") ? line.substring(line.indexOf(' ') + 1) : "";
                try {
                    switch (command) {
                        case "START" -> {
                            if (redirector != null) {
                                throw new IllegalStateException("The helper has already started.");
                            }
                            if (LinuxRedirectorProvider.effectiveUid() != 0) {
                                throw new IllegalStateException("apptap-redirector-helper runs without root; start it"
                                        + " through sudo.");
                            }
                            redirector = EbpfRedirector.start(target(rest, parent), CgroupRoot.find().orElseThrow(
                                    () -> new IllegalStateException(LinuxRedirectorProvider.kernelReason().orElse(""))));
                            out.println("OK");
                        }
                        case "SPEC" -> {
                            String[] scopeAndSpec = rest.split(" ", 2);
                            requireStarted(redirector).intercept(
                                    InterceptSpec.parse(scopeAndSpec.length > 1 ? scopeAndSpec[1] : ""),
                                    InterceptScope.parse(scopeAndSpec[0]));
                            out.println("OK");
                        }
                        case "DESCRIBE" -> out.println("OK " + requireStarted(redirector).describe());
                        case "STOP" -> {
                            out.println("OK");
                            return 0;
                        }
                        default -> out.println("ERR Unknown command '" + command + "'.");
                    }
                } catch (Exception | LinkageError e) {
                    out.println("ERR " + String.valueOf(e.getMessage()).replace('\n', ' '));
                }
            }
            return 0;
        } finally {
            if (redirector != null) {
                redirector.close();
            }
        }
    }

    /**
     * {@code <ipv4 port> <ipv6 port> <dns ipv4:port or -> <pids or -> [<explicit proxy port or ->]}; every address is
     * loopback by construction.
     */
    static RedirectTarget target(String args, long parent) throws Exception {
        String[] parts = args.trim().split(" ");
        if (parts.length != 4 && parts.length != 5) {
            throw new IllegalArgumentException("START takes four or five fields (ipv4 port, ipv6 port, dns or -, pids"
                    + " or -, explicit proxy port or -), not '" + args + "'.");
        }
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port(parts[0]));
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByAddress(
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), port(parts[1]));
        Optional<InetSocketAddress> dns = Optional.empty();
        if (!parts[2].equals("-")) {
            int colon = parts[2].lastIndexOf(':');
            InetAddress host = colon > 0 && parts[2].substring(0, colon).matches("[0-9.]+")
                    ? InetAddress.getByName(parts[2].substring(0, colon)) : null;
            if (host == null || !host.isLoopbackAddress()) {
                throw new IllegalArgumentException("The helper sends DNS only to an IPv4 loopback address, not '"
                        + parts[2] + "'.");
            }
            dns = Optional.of(new InetSocketAddress(host, port(parts[2].substring(colon + 1))));
        }
        Set<Long> excluded = new HashSet<>();
        excluded.add(parent);
        if (!parts[3].equals("-")) {
            for (String pid : parts[3].split(",")) {
                excluded.add(Long.parseLong(pid));
            }
        }
        Optional<InetSocketAddress> explicit = parts.length < 5 || parts[4].equals("-") ? Optional.empty()
                : Optional.of(new InetSocketAddress(v4.getAddress(), port(parts[4])));
        return new RedirectTarget(v4, v6, dns, excluded, explicit);
    }

    private static int port(String text) {
        int port = Integer.parseInt(text);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("A port must be between 1 and 65535, not " + text + ".");
        }
        return port;
    }

    private static EbpfRedirector requireStarted(EbpfRedirector redirector) {
        if (redirector == null) {
            throw new IllegalStateException("Send START first.");
        }
        return redirector;
    }

    /**
     * Stdin's end is the main signal, but sudo may sit between the JVM and the helper (with use_pty it relays
     * the streams), so the helper also watches the JVM itself.
     */
    private static void watchParent(long pid) {
        Thread watcher = new Thread(() -> {
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
            // halt, not exit: nothing may delay the links' release; the kernel closes them with the process.
            Runtime.getRuntime().halt(3);
        }, "apptap-helper-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }
}
