package dev.apptap.proxy.ca;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * apptap's certificate authority: the root that signs every leaf certificate apptap shows to apps.
 *
 * <p>By default there is one CA per user, in {@code ~/.apptap/}: {@code apptap-ca.pem} (the certificate, to
 * trust) and {@code apptap-ca-key.pem} (its PKCS#8 key, mode 0600). It is created on first use; several JVMs
 * starting at once end up with the same CA. Damaged, foreign or expired files are refused with a
 * {@link CertificateAuthorityException} whose message says which file and what to do.
 *
 * <pre>{@code
 * CertificateAuthority ca = CertificateAuthority.userDefault();
 * LeafCertificates leaves = new LeafCertificates(ca, mintingExecutor);
 * TrustExports trust = TrustExports.write(ca);   // bundles and trust stores for launched apps
 * }</pre>
 */
public final class CertificateAuthority {

    /** System property naming the directory that holds the per-user CA instead of {@code ~/.apptap/}. */
    public static final String HOME_PROPERTY = "apptap.home";

    private final X509Certificate certificate;
    private final PrivateKey privateKey;
    private final Path directory;
    private final String pem;
    private Path ephemeralExportDirectory;

    CertificateAuthority(X509Certificate certificate, PrivateKey privateKey, Path directory) {
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.directory = directory;
        this.pem = Pem.certificate(certificate);
    }

    /** The per-user CA in {@code ~/.apptap/} (or the directory in system property {@code apptap.home}), created on first use. */
    public static CertificateAuthority userDefault() {
        return loadOrCreate(userDefaultDirectory());
    }

    /** Where {@link #userDefault()} keeps the CA. */
    public static Path userDefaultDirectory() {
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null && !home.isBlank()) {
            return Path.of(home);
        }
        return Path.of(System.getProperty("user.home"), ".apptap");
    }

    /** The CA stored in {@code directory}, created there on first use. */
    public static CertificateAuthority loadOrCreate(Path directory) {
        return CaStore.loadOrCreate(directory);
    }

    /** A CA that lives only in memory, for this JVM. */
    public static CertificateAuthority ephemeral() {
        KeyPair keys = Keys.newEcP256();
        return new CertificateAuthority(CaCertificates.newApptapRoot(keys), keys.getPrivate(), null);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The CA certificate in PEM form. */
    public String certificatePem() {
        return pem;
    }

    /** The directory holding the CA files; empty for an {@link #ephemeral()} CA. */
    public Optional<Path> directory() {
        return Optional.ofNullable(directory);
    }

    /** The certificate file users import to trust apptap; empty for an {@link #ephemeral()} CA. */
    public Optional<Path> certificateFile() {
        return directory().map(d -> d.resolve(CaStore.CERTIFICATE_FILE));
    }

    /** SHA-256 of the certificate, upper-case hex with colons, as browsers and {@code openssl x509 -fingerprint} show it. */
    public String sha256Fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("The CA certificate could not be fingerprinted.", e);
        }
    }

    PrivateKey privateKey() {
        return privateKey;
    }

    /**
     * Trust exports of an ephemeral CA need a home too; one private temporary directory per CA, removed when the
     * JVM exits, keeps repeated exports from piling up.
     */
    synchronized Path ephemeralExportDirectory() {
        if (ephemeralExportDirectory == null) {
            try {
                Path created = Files.createTempDirectory("apptap-trust-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(created), "apptap-trust-cleanup"));
                ephemeralExportDirectory = created;
            } catch (IOException e) {
                throw new UncheckedIOException("apptap could not create a temporary directory for its ephemeral CA's trust files.", e);
            }
        }
        return ephemeralExportDirectory;
    }

    private static void deleteQuietly(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    // best effort at exit: a leftover temp file holds no secret
                }
            });
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public String toString() {
        return "CertificateAuthority[" + certificate.getSubjectX500Principal().getName()
                + (directory == null ? ", ephemeral" : ", in " + directory) + ", SHA-256 " + sha256Fingerprint() + "]";
    }
}
