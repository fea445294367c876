package dev.apptap.samples;

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
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The API the apps under test call, on loopback: {@code https://api.example.test:<port>}. apptap resolves
 * {@code *.test} names to loopback itself, so nothing is looked up on the network. Its CA is written to
 * {@code target/local-api-ca.pem}, which {@code junit-platform.properties} tells apptap to trust. The same API also
 * answers over plain HTTP ({@link #httpUrl(String)}), for apps that cannot check a private CA.
 */
final class LocalApi {

    private static LocalApi instance;

    private final HttpsServer server;
    private final HttpServer plainServer;
    private final CertificateAuthority ca;

    private LocalApi() throws Exception {
        ca = CertificateAuthority.ephemeral();
        Path caFile = Path.of("target", "local-api-ca.pem");
        Files.createDirectories(caFile.getParent());
        Files.writeString(caFile, ca.certificatePem());
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls("api.example.test")));
        plainServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serveApi(server);
        serveApi(plainServer);
        server.start();
        plainServer.start();
    }

    private static void serveApi(HttpServer server) {
        server.createContext("/v1/items", exchange -> respond(exchange, 200, "[{\"id\":7,\"name\":\"lamp\"}]"));
        server.createContext("/v1/login", exchange -> {
            // Form (user=ann) or JSON ("user":"ann"): the samples log in both ways.
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            boolean ann = body.contains("user=ann") || body.matches("(?s).*\"user\"\\s*:\\s*\"ann\".*");
            respond(exchange, ann ? 200 : 401, ann ? "{\"token\":\"t-123\"}" : "{\"error\":\"who are you?\"}");
        });
        server.createContext("/v1/orders", exchange -> {
            String order = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            respond(exchange, 201, "{\"id\":42,\"order\":" + order + "}");
        });
        server.createContext("/v1/old-items", exchange -> {
            try (exchange) {
                exchange.getResponseHeaders().set("Location", "/v1/items");
                exchange.sendResponseHeaders(301, -1);
            }
        });
    }

    static synchronized LocalApi start() {
        if (instance == null) {
            try {
                instance = new LocalApi();
            } catch (Exception e) {
                throw new IllegalStateException("The local API could not start: " + e, e);
            }
        }
        return instance;
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url(String path) {
        return "https://api.example.test:" + server.getAddress().getPort() + path;
    }

    /** The same API over plain HTTP: {@code http://api.example.test:<port>}. */
    String httpUrl(String path) {
        return "http://api.example.test:" + plainServer.getAddress().getPort() + path;
    }

    /** The API's CA, which apptap trusts upstream: other local servers of the samples use it too. */
    CertificateAuthority ca() {
        return ca;
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        try (exchange) {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    /** A server-side TLS context with a certificate for {@code host} from the API's CA, which apptap trusts. */
    SSLContext tls(String host) throws Exception {
        LeafCertificate leaf = new LeafCertificates(ca, Runnable::run).forHost(host).join();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("api", leaf.key(), new char[0], leaf.chain().toArray(new Certificate[0]));
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return context;
    }
}
