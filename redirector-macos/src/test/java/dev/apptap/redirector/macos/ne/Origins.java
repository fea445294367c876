package dev.apptap.redirector.macos.ne;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.LeafCertificate;
import dev.apptap.proxy.ca.LeafCertificates;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** An HTTP and an HTTPS origin on 127.0.0.1 that answer every path with "origin saw <path>". */
final class Origins implements AutoCloseable {

    private final CertificateAuthority ca = CertificateAuthority.ephemeral();
    final HttpServer http;
    final HttpsServer https;

    Origins() throws Exception {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        https.setHttpsConfigurator(new HttpsConfigurator(tls()));
        for (HttpServer server : new HttpServer[] {http, https}) {
            server.createContext("/", Origins::answer);
            server.start();
        }
    }

    /** The root the engine must trust for the HTTPS origin. */
    X509Certificate root() {
        return ca.certificate();
    }

    private SSLContext tls() throws Exception {
        LeafCertificate leaf = new LeafCertificates(ca, Runnable::run).forHost("localhost").join();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("leaf", leaf.key(), new char[0], leaf.chain().toArray(new Certificate[0]));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private static void answer(HttpExchange exchange) throws IOException {
        byte[] body = ("origin saw " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        http.stop(0);
        https.stop(0);
    }
}
