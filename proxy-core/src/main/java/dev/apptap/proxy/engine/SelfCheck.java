package dev.apptap.proxy.engine;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.LeafCertificate;
import dev.apptap.proxy.ca.LeafCertificates;
import dev.apptap.proxy.ca.TrustExports;
import dev.apptap.flow.Flow;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.launch.LaunchEnvironment;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * An end-to-end check of the engine with real clients: curl (and python3, when installed) go through the explicit
 * proxy (LAUNCH mode) to in-process origins; the engine decrypts their HTTPS with an ephemeral CA and must record
 * every request with a 200. {@code mvn -q -pl proxy-core exec:java -Dexec.mainClass=dev.apptap.proxy.engine.SelfCheck}
 */
public final class SelfCheck {

    private static final String GREETING = "{\"greeting\":\"hello from the origin\"}";
    private static final String ECHO_BODY = "{\"a\":1}";
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

    private SelfCheck() {
    }

    public static void main(String[] args) {
        System.exit(run(System.out));
    }

    /** Runs the check, writing its report to {@code out}; returns the exit code (0 passed, 1 failed). */
    public static int run(PrintStream out) {
        out.println("apptap self-check: the engine intercepts curl and python3 through its explicit proxy"
                + " (LAUNCH mode) and decrypts HTTPS with an ephemeral CA.");
        HttpsServer tls = null;
        HttpServer plain = null;
        try {
            CertificateAuthority ca = CertificateAuthority.ephemeral();
            TrustExports exports = TrustExports.write(ca);
            CertificateAuthority upstreamCa = CertificateAuthority.ephemeral();
            tls = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            tls.setHttpsConfigurator(new HttpsConfigurator(originContext(upstreamCa)));
            plain = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            for (HttpServer server : List.of(tls, plain)) {
                server.createContext("/hello", ex -> respond(ex, "GET", GREETING.getBytes(StandardCharsets.UTF_8)));
                server.createContext("/echo", ex -> respond(ex, "POST", ex.getRequestBody().readAllBytes()));
                server.start();
            }
            try (ProxyEngine engine = ProxyEngine.builder()
                    .certificateAuthority(ca)
                    .upstreamTrust(upstreamCa.certificate())
                    .hostResolver(SelfCheck::loopbackOnly)
                    .caFilesForMessages(exports)
                    .start()) {
                Map<String, String> env = cleanEnvironment(LaunchEnvironment.proxy(engine.explicitAddress(), exports));
                String https = "https://localhost:" + tls.getAddress().getPort();
                String http = "http://127.0.0.1:" + plain.getAddress().getPort();
                List<String> failures = new ArrayList<>();
                client(env, failures, GREETING, "curl", "-sS", https + "/hello");
                client(env, failures, ECHO_BODY, "curl", "-sS", "-d", ECHO_BODY,
                        "-H", "Content-Type: application/json", https + "/echo");
                client(env, failures, GREETING, "curl", "-sS", http + "/hello");
                int expected = 3;
                if (onPath("python3")) {
                    client(env, failures, GREETING, "python3", "-c",
                            "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1],"
                                    + " timeout=20).read().decode())", https + "/hello");
                    expected++;
                } else {
                    out.println("  (python3 is not installed: its check is skipped)");
                }
                var view = engine.flows().view();
                try {
                    // a client that failed may have left no flow: then only wait for what did arrive
                    view.awaitCount(failures.isEmpty() ? expected : 0, Duration.ofSeconds(10));
                    view.awaitAllComplete(Duration.ofSeconds(10));
                } catch (RuntimeException e) {
                    failures.add("the engine did not record " + expected + " complete flows in time ("
                            + e.getMessage().lines().findFirst().orElse("") + ")");
                }
                List<Flow> flows = view.flows();
                for (Flow flow : flows) {
                    out.println("  " + flow.summary() + flow.tls().map(t -> " [" + t.version()
                            + (t.sni().isEmpty() ? "" : ", SNI " + t.sni()) + "]").orElse(""));
                    if (!(flow instanceof HttpFlow h) || h.status() != 200 || flow.error().isPresent()
                            || flow.tls().map(t -> t.passthrough() || t.version().isEmpty()).orElse(false)) {
                        failures.add("flow #" + flow.id() + " was not a decrypted exchange answered 200 ("
                                + flow.summary() + ")");
                    }
                }
                if (failures.isEmpty() && flows.size() != expected) {
                    failures.add("the engine recorded " + flows.size() + " flows where " + expected + " were expected");
                }
                if (!failures.isEmpty()) {
                    out.println("self-check FAILED: " + String.join("; ", failures) + ".");
                    return 1;
                }
                out.println("self-check passed: " + flows.size() + " flows recorded, all decrypted and answered");
                return 0;
            }
        } catch (Exception e) {
            out.println("self-check FAILED: the check could not run because " + e + ".");
            return 1;
        } finally {
            if (tls != null) {
                tls.stop(0);
            }
            if (plain != null) {
                plain.stop(0);
            }
        }
    }

    /** The origin's TLS: a leaf for {@code localhost} signed by a CA apptap is told to trust upstream. */
    private static SSLContext originContext(CertificateAuthority upstreamCa) throws Exception {
        LeafCertificate leaf = new LeafCertificates(upstreamCa, Runnable::run).forHost("localhost").join();
        char[] password = "self-check".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("localhost", leaf.key(), password, leaf.chain().toArray(new Certificate[0]));
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return context;
    }

    private static void respond(HttpExchange exchange, String method, byte[] body) throws IOException {
        try (exchange) {
            boolean allowed = exchange.getRequestMethod().equals(method);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(allowed ? 200 : 405, allowed ? body.length : -1);
            if (allowed) {
                exchange.getResponseBody().write(body);
            }
        }
    }

    /** Answers {@code localhost} and {@code *.test} with 127.0.0.1; nothing else, so no lookup leaves the machine. */
    static InetAddress[] loopbackOnly(String host) throws UnknownHostException {
        if (host.equalsIgnoreCase("localhost") || host.toLowerCase(Locale.ROOT).endsWith(".test")) {
            return new InetAddress[]{InetAddress.getByAddress(host, new byte[]{127, 0, 0, 1})};
        }
        throw new UnknownHostException("apptap's self-check resolves only localhost and *.test, not " + host);
    }

    private static Map<String, String> cleanEnvironment(Map<String, String> apptap) {
        Map<String, String> base = new HashMap<>(System.getenv());
        base.keySet().removeIf(name -> name.toLowerCase(Locale.ROOT).endsWith("_proxy"));
        return LaunchEnvironment.merge(base, apptap);
    }

    private static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        return List.of(path.split(File.pathSeparator)).stream().anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, program)));
    }

    /** Runs one client to completion (or its timeout) and notes a failure unless it printed {@code expected}. */
    private static void client(Map<String, String> env, List<String> failures, String expected, String... command)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile("apptap-self-check-", ".out");
        Process process = null;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().clear();
            builder.environment().putAll(env);
            process = builder.start();
            String shown = String.join(" ", command);
            if (!process.waitFor(CLIENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                failures.add("`" + shown + "` did not finish within " + CLIENT_TIMEOUT.toSeconds() + " s");
                return;
            }
            String printed = Files.readString(output, StandardCharsets.UTF_8).strip();
            if (process.exitValue() != 0 || !printed.equals(expected)) {
                String last = printed.isEmpty() ? "" : printed.lines().reduce((a, b) -> b).orElse("");
                failures.add("`" + shown + "` exited " + process.exitValue() + " printing \""
                        + (last.length() > 200 ? last.substring(0, 200) + "…" : last) + "\"");
            }
        } finally {
            if (process != null && process.isAlive()) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(output);
        }
    }
}
