package dev.apptap.junit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.LeafCertificate;
import dev.apptap.proxy.ca.LeafCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The upstream world of these tests, on loopback: an HTTPS origin for {@code api.example.test} (its certificate from
 * a CA that has nothing to do with apptap's) and a plain HTTP one. {@code GET /anything} answers with the path,
 * {@code POST} echoes the body. Started once per JVM.
 */
final class LocalOrigin {

    static final String HOST = "api.example.test";

    private static LocalOrigin instance;

    private final HttpsServer https;
    private final HttpServer http;
    private final Path caPem;

    private LocalOrigin() throws Exception {
        CertificateAuthority originCa = CertificateAuthority.ephemeral();
        caPem = Files.createTempFile("apptap-origin-ca-", ".pem");
        Files.writeString(caPem, originCa.certificatePem());
        caPem.toFile().deleteOnExit();
        https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(serverContext(originCa)));
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        for (HttpServer server : new HttpServer[]{https, http}) {
            server.createContext("/", LocalOrigin::answer);
            server.setExecutor(Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "local-origin");
                t.setDaemon(true);
                return t;
            }));
            server.start();
        }
    }

    static synchronized LocalOrigin get() {
        if (instance == null) {
            try {
                instance = new LocalOrigin();
            } catch (Exception e) {
                throw new IllegalStateException("The local origin could not start: " + e, e);
            }
        }
        return instance;
    }

    /** {@code https://api.example.test:<port><path>}: resolved to loopback by apptap, never by DNS. */
    String https(String path) {
        return "https://" + HOST + ":" + https.getAddress().getPort() + path;
    }

    String http(String path) {
        return "http://" + HOST + ":" + http.getAddress().getPort() + path;
    }

    /** The origin's CA, for {@code apptap.upstream.trust}. */
    Path caPem() {
        return caPem;
    }

    private static void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestMethod().equals("POST") ? exchange.getRequestBody().readAllBytes()
                    : ("you asked for " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private static SSLContext serverContext(CertificateAuthority ca) throws Exception {
        LeafCertificate leaf = new LeafCertificates(ca, Runnable::run).forHost(HOST).join();
        char[] password = "origin".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry(HOST, leaf.key(), password, leaf.chain().toArray(new Certificate[0]));
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return context;
    }
}
