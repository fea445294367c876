package dev.apptap.proxy.ca;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

    /** The operating system's CA bundle (a PEM file), the first of the usual places that holds one. */
    public static Optional<Path> osBundle() {
        return firstBundle(OS_BUNDLES);
    }

    static Optional<Path> firstBundle(List<Path> candidates) {
        return candidates.stream().filter(Files::isRegularFile).findFirst();
    }
}
