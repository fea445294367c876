package dev.apptap.proxy.ca;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The roots this machine trusts without apptap: the JVM's and the operating system's. The trust exports copy
 * them next to apptap's CA, and the engine verifies upstream servers against them.
 *
 * <pre>{@code
 * List<X509Certificate> jdk = SystemTrustAnchors.jdk();
 * Optional<Path> bundle = SystemTrustAnchors.osBundle(); // /etc/ssl/certs/ca-certificates.crt on Debian
 * }</pre>
 */
public final class SystemTrustAnchors {

    /** Debian/Ubuntu/Alpine, Fedora/RHEL, macOS/Arch, openSUSE: the same order Go's crypto/x509 probes. */
    static final List<Path> OS_BUNDLES = List.of(
            Path.of("/etc/ssl/certs/ca-certificates.crt"),
            Path.of("/etc/pki/tls/certs/ca-bundle.crt"),
            Path.of("/etc/ssl/cert.pem"),
            Path.of("/etc/ssl/ca-bundle.pem"));

    private SystemTrustAnchors() {
    }

    /** The roots this JVM trusts by default, as its TLS stack sees them (cacerts, or javax.net.ssl.trustStore if set). */
    public static List<X509Certificate> jdk() {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null);
            List<X509Certificate> anchors = new ArrayList<>();
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager) {
                    anchors.addAll(List.of(((X509TrustManager) manager).getAcceptedIssuers()));
                }
            }
            return anchors;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM's default trust anchors could not be read.", e);
        }
    }

    /**
     * What {@link #jdk()} would read, without reading it: the trust-store properties and, for each file the JDK may
     * take its roots from ({@code javax.net.ssl.trustStore}, else {@code jssecacerts}, else {@code cacerts}), its
     * size and modification time. Equal descriptions mean equal roots, so a caller can skip {@link #jdk()}, which
     * costs a cold JVM 0.05 s with apptap's class archive and up to 0.3 s without (150 certificates, interpreted).
     */
    static String jdkSource() {
        return jdkSource(System::getProperty);
    }

    /** {@link #jdkSource()} with the system properties {@code properties} gives (null where unset). */
    static String jdkSource(UnaryOperator<String> properties) {
        StringBuilder source = new StringBuilder();
        String javaHome = Objects.requireNonNullElse(properties.apply("java.home"), "");
        for (String property : List.of("java.home", "javax.net.ssl.trustStore", "javax.net.ssl.trustStoreType",
                "javax.net.ssl.trustStoreProvider", "javax.net.ssl.trustStorePassword")) {
            source.append(property).append('=').append(Objects.requireNonNullElse(properties.apply(property), ""))
                    .append('\n');
        }
        List<Path> files = new ArrayList<>();
        Optional.ofNullable(properties.apply("javax.net.ssl.trustStore")).filter(path -> !path.isEmpty()
                && !path.equals("NONE")).map(Path::of).ifPresent(files::add);
        files.add(Path.of(javaHome, "lib", "security", "jssecacerts"));
        files.add(Path.of(javaHome, "lib", "security", "cacerts"));
        for (Path file : files) {
            source.append(file).append(' ');
            try {
                source.append(Files.size(file)).append(' ').append(Files.getLastModifiedTime(file).toMillis());
            } catch (IOException | SecurityException absent) {
                source.append("absent");
            }
            source.append('\n');
        }
        return source.toString();
    }

    /** The operating system's CA bundle (a PEM file), the first of the usual places that holds one. */
    public static Optional<Path> osBundle() {
        return firstBundle(OS_BUNDLES);
    }

    static Optional<Path> firstBundle(List<Path> candidates) {
        return candidates.stream().filter(Files::isRegularFile).findFirst();
    }
}
