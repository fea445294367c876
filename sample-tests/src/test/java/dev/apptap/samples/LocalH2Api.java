package dev.apptap.samples;

import dev.apptap.proxy.ca.LeafCertificate;
import dev.apptap.proxy.ca.LeafCertificates;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import org.junit.jupiter.api.Assumptions;

/**
 * An HTTP/2-only API on loopback ({@code https://h2.example.test:<port>}): nghttp2's {@code nghttpd} serving
 * {@code /v1/ping}, with a certificate from {@link LocalApi}'s CA so that apptap trusts it. apptap asks the server
 * which protocol it speaks before answering the app, so curl gets h2 only from a server that speaks it.
 */
final class LocalH2Api {

    private static LocalH2Api instance;

    private final int port;

    private LocalH2Api(int port) {
        this.port = port;
    }

    static synchronized LocalH2Api start() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/nghttpd")) || onPath("nghttpd"),
                "nghttpd (nghttp2-server) is not installed, so there is no local HTTP/2 server to talk to.");
        if (instance == null) {
            try {
                instance = launch();
            } catch (IOException e) {
                throw new UncheckedIOException("The local HTTP/2 API could not start: " + e.getMessage(), e);
            }
        }
        return instance;
    }

    String url(String path) {
        return "https://h2.example.test:" + port + path;
    }

    private static LocalH2Api launch() throws IOException {
        Path work = Files.createDirectories(Path.of("target", "local-h2-api"));
        Path docroot = Files.createDirectories(work.resolve("htdocs/v1"));
        Files.writeString(docroot.resolve("ping"), "{\"pong\":true}");
        LeafCertificate leaf = new LeafCertificates(LocalApi.start().ca(), Runnable::run).forHost("h2.example.test")
                .join();
        Path key = Files.writeString(work.resolve("key.pem"), pem("PRIVATE KEY", leaf.key().getEncoded()));
        StringBuilder chain = new StringBuilder();
        for (X509Certificate certificate : leaf.chain()) {
            try {
                chain.append(pem("CERTIFICATE", certificate.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IOException(e);
            }
        }
        Path certificates = Files.writeString(work.resolve("chain.pem"), chain);
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Process nghttpd = new ProcessBuilder("nghttpd", "--address=127.0.0.1", "-d", work.resolve("htdocs").toString(),
                String.valueOf(port), key.toString(), certificates.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("nghttpd.log").toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(nghttpd::destroy));
        for (long deadline = System.nanoTime() + 10_000_000_000L; System.nanoTime() < deadline; ) {
            try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return new LocalH2Api(port);
            } catch (IOException notYet) {
                if (!nghttpd.isAlive()) {
                    throw new IOException("nghttpd exited with " + nghttpd.exitValue() + "; see "
                            + work.resolve("nghttpd.log").toAbsolutePath());
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("Interrupted while waiting for nghttpd.", e);
                }
            }
        }
        nghttpd.destroy();
        throw new IOException("nghttpd did not listen on port " + port + " within 10 seconds.");
    }

    private static boolean onPath(String program) {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(directory, program))) {
                return true;
            }
        }
        return false;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
