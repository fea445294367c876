package dev.apptap.proxy.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP/2 origin: nghttp2's {@code nghttpd} serving a directory on loopback, with TLS from the test PKI
 * (ALPN {@code h2}) or cleartext with prior knowledge. Skips the test when nghttpd is not installed.
 */
public final class Nghttpd implements AutoCloseable {

    private final Process process;
    private final int port;
    private final boolean tls;

    private Nghttpd(Process process, int port, boolean tls) {
        this.process = process;
        this.port = port;
        this.tls = tls;
    }

    /** Serves {@code docroot} over TLS with a certificate for localhost, upstream.test and 127.0.0.1. */
    public static Nghttpd tls(Path docroot, Path work) throws IOException {
        return start(docroot, work, true);
    }

    /** Serves {@code docroot} over cleartext HTTP/2 (prior knowledge). */
    public static Nghttpd cleartext(Path docroot, Path work) throws IOException {
        return start(docroot, work, false);
    }

    private static Nghttpd start(Path docroot, Path work, boolean tls) throws IOException {
        Clients.assumeInstalled("nghttpd");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(Clients.find("nghttpd").orElseThrow().toString(),
                "--address=127.0.0.1", "-d", docroot.toString(), "--trailer=x-checksum: done"));
        if (tls) {
            TestPki.ServerCertificate certificate = TestPki.get().serverCertificate();
            Path key = Files.writeString(work.resolve("nghttpd-key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(certificate.key().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
            Path chain = Files.writeString(work.resolve("nghttpd-chain.pem"), certificate.chainPem());
            command.addAll(List.of(String.valueOf(port), key.toString(), chain.toString()));
        } else {
            command.addAll(List.of("--no-tls", String.valueOf(port)));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("nghttpd.log").toFile()).start();
        Nghttpd server = new Nghttpd(process, port, tls);
        server.awaitListening();
        return server;
    }

    private void awaitListening() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IOException("nghttpd exited with code " + process.exitValue() + " before it listened on port "
                            + port + "; see its log next to the test's work files.");
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("Interrupted while waiting for nghttpd to listen.", e);
                }
            }
        }
        close();
        throw new IOException("nghttpd did not listen on port " + port + " within 10 s.");
    }

    public int port() {
        return port;
    }

    /** {@code https://localhost:PORT/path} (or {@code http://127.0.0.1:PORT/path} for cleartext). */
    public String url(String path) {
        return (tls ? "https://localhost:" : "http://127.0.0.1:") + port + path;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
