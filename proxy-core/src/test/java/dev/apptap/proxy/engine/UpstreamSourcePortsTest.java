package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.redirect.SourcePortRange;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** macOS's pf tells apptap's own upstream connections from apps' by their source port: they must leave from the range. */
class UpstreamSourcePortsTest {

    private HttpServer origin;
    private final List<Integer> clientPorts = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startOrigin() throws Exception {
        origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        origin.createContext("/", exchange -> {
            clientPorts.add(exchange.getRemoteAddress().getPort());
            byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        origin.start();
    }

    @AfterEach
    void stopOrigin() {
        origin.stop(0);
    }

    @Test
    void upstreamConnectionsLeaveFromTheRangeAndSkipATakenPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int first = taken.getLocalPort();
            try (ProxyEngine engine = ProxyEngine.builder().certificateAuthority(CertificateAuthority.ephemeral())
                    .upstreamSourcePorts(new SourcePortRange(first, first + 1)).start()) {
                for (int i = 0; i < 3; i++) {
                    assertThat(get(engine.explicitAddress(), "/" + i)).startsWith("HTTP/1.1 200");
                }
            }
            assertThat(clientPorts).hasSize(3).containsOnly(first + 1);
        }
    }

    private String get(InetSocketAddress proxy, String path) throws Exception {
        try (Socket socket = new Socket(proxy.getAddress(), proxy.getPort())) {
            String url = "http://127.0.0.1:" + origin.getAddress().getPort() + path;
            socket.getOutputStream().write(("GET " + url + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
