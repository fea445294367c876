package dev.apptap.redirector.linux;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.LeafCertificate;
import dev.apptap.proxy.ca.LeafCertificates;
import dev.apptap.proxy.ca.TrustExports;
import dev.apptap.proxy.engine.ProxyEngine;
import dev.apptap.proxy.launch.LaunchEnvironment;
import dev.apptap.proxy.redirect.RedirectTarget;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A real engine with transparent listeners on 127.0.0.1:P and [::1]:P, local origin servers (HTTP on 127.0.0.1 and
 * [::1], HTTPS on 127.0.0.1 with a certificate from a second CA the engine trusts upstream), the CA exports apps
 * need, and a way to run programs. Every byte stays on loopback.
 */
final class Harness implements AutoCloseable {

    final CertificateAuthority ca = CertificateAuthority.ephemeral();
    final CertificateAuthority originCa = CertificateAuthority.ephemeral();
    final ProxyEngine engine;
    final int listenerPort;
    final HttpServer http4;
    final HttpServer http6;
    final HttpsServer https4;
    final TrustExports exports;
    /** The environment programs run with: this JVM's, minus proxy variables, plus trust in apptap's CA; tests may add to it. */
    final Map<String, String> appEnv;
    /** Requests each origin path received. */
    final Map<String, AtomicInteger> originHits = new ConcurrentHashMap<>();
    private final ExecutorService originThreads = Executors.newCachedThreadPool();

    Harness(Path dir) throws Exception {
        ProxyEngine started = null;
        int port = 0;
        for (int attempt = 0; started == null; attempt++) {
            port = freePortOnBothLoopbacks();
            try {
                started = ProxyEngine.builder()
                        .certificateAuthority(ca)
                        .upstreamTrust(originCa.certificate())
                        .transparentListener(new InetSocketAddress("127.0.0.1", port))
                        .transparentListener(new InetSocketAddress("::1", port))
                        .start();
            } catch (RuntimeException e) {
                if (attempt > 5) {
                    throw e;
                }
            }
        }
        engine = started;
        listenerPort = port;
        http4 = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        http6 = HttpServer.create(new InetSocketAddress("::1", 0), 512);
        https4 = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        https4.setHttpsConfigurator(new HttpsConfigurator(originTls()));
        for (HttpServer server : List.of(http4, http6, https4)) {
            server.createContext("/", this::answer);
            server.setExecutor(originThreads);
            server.start();
        }
        exports = TrustExports.write(ca, dir);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
        appEnv = new HashMap<>(LaunchEnvironment.merge(env, LaunchEnvironment.trust(exports)));
    }

    RedirectTarget target() {
        return new RedirectTarget(new InetSocketAddress("127.0.0.1", listenerPort),
                new InetSocketAddress("::1", listenerPort), Optional.empty(), Set.of(ProcessHandle.current().pid()),
                Optional.of(engine.explicitAddress()));
    }

    String http4Url(String path) {
        return "http://127.0.0.1:" + http4.getAddress().getPort() + path;
    }

    String http6Url(String path) {
        return "http://[::1]:" + http6.getAddress().getPort() + path;
    }

    /** HTTPS by name; callers pin localhost to 127.0.0.1 (curl --resolve) since the server listens there only. */
    String httpsUrl(String path) {
        return "https://localhost:" + https4.getAddress().getPort() + path;
    }

    int httpsPort() {
        return https4.getAddress().getPort();
    }

    int hits(String path) {
        AtomicInteger n = originHits.get(path);
        return n == null ? 0 : n.get();
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        originHits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        byte[] body = ("origin says hi to " + path + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** TLS for an origin on 127.0.0.1 named localhost, with a certificate from {@link #originCa}. */
    SSLContext originTls() throws Exception {
        LeafCertificate leaf = new LeafCertificates(originCa, Runnable::run).forHost("localhost").join();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("leaf", leaf.key(), new char[0], leaf.chain().toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }

    private static int freePortOnBothLoopbacks() throws IOException {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket v4 = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                int port = v4.getLocalPort();
                try (ServerSocket v6 = new ServerSocket(port, 1, InetAddress.getByName("::1"))) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IOException("no port free on both 127.0.0.1 and ::1");
    }

    /** What a finished program did. */
    record Run(int exit, String out, String err, long pid) {
        @Override
        public String toString() {
            return "exit " + exit + ", pid " + pid + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    Run run(List<String> command) throws Exception {
        return run(command, Duration.ofSeconds(60));
    }

    Run run(List<String> command, Duration timeout) throws Exception {
        Process process = start(command);
        return finish(process, timeout);
    }

    Process start(List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command));
        builder.environment().clear();
        builder.environment().putAll(appEnv);
        return builder.start();
    }

    static Run finish(Process process, Duration timeout) throws Exception {
        var out = process.getInputStream();
        var err = process.getErrorStream();
        var outText = Executors.newSingleThreadExecutor().submit(() -> new String(out.readAllBytes(), StandardCharsets.UTF_8));
        var errText = Executors.newSingleThreadExecutor().submit(() -> new String(err.readAllBytes(), StandardCharsets.UTF_8));
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + process.info().commandLine().orElse("?"));
        }
        return new Run(process.exitValue(), outText.get(5, TimeUnit.SECONDS), errText.get(5, TimeUnit.SECONDS), process.pid());
    }

    @Override
    public void close() {
        for (HttpServer server : List.of(http4, http6, https4)) {
            server.stop(0);
        }
        originThreads.shutdownNow();
        engine.close();
    }
}
