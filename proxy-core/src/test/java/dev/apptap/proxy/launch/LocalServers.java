package dev.apptap.proxy.launch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import dev.apptap.proxy.ca.LeafCertificate;

/** Loopback-only servers for the real-client tests: a TLS server showing an apptap leaf, and a CONNECT proxy. */
final class LocalServers {

    static final String BODY = "hello from apptap";

    private LocalServers() {
    }

    static ServerSocket tlsServer(LeafCertificate leaf) throws Exception {
        char[] password = "unused".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("leaf", leaf.key(), password, leaf.chain().toArray(X509Certificate[]::new));
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        ServerSocket server = context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        serve(server, LocalServers::answer);
        return server;
    }

    /** Records each CONNECT target, then relays bytes both ways like apptap's engine would. */
    static ServerSocket connectProxy(List<String> connects) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        serve(server, client -> {
            String head = readHead(client.getInputStream());
            String target = head.split(" ", 3)[1];
            connects.add(target);
            int colon = target.lastIndexOf(':');
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(target.substring(colon + 1)))) {
                client.getOutputStream().write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                Thread pump = new Thread(() -> copy(upstream, client));
                pump.start();
                copy(client, upstream);
                pump.join(10_000);
            }
        });
        return server;
    }

    static List<String> newRecord() {
        return new CopyOnWriteArrayList<>();
    }

    interface Handler {
        void handle(Socket socket) throws Exception;
    }

    private static void serve(ServerSocket server, Handler handler) {
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread worker = new Thread(() -> {
                        try (socket) {
                            handler.handle(socket);
                        } catch (Exception e) {
                            // a client that rejects the certificate closes mid-handshake; the client's output says why
                        }
                    });
                    worker.setDaemon(true);
                    worker.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private static void answer(Socket socket) throws IOException {
        readHead(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + BODY.length()
                + "\r\nConnection: close\r\n\r\n" + BODY).getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static void copy(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            // one side closed: the other direction ends on its own
        }
    }
}
