package dev.apptap.proxy.ca;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The files that make other programs trust apptap's CA, written into one directory (by default
 * {@code <ca directory>/trust/}):
 *
 * <ul>
 *   <li>{@code apptap-ca.pem}: the CA alone (Node's {@code NODE_EXTRA_CA_CERTS} adds it to its own roots);</li>
 *   <li>{@code ca-bundle.pem}: the operating system's roots followed by the CA, for OpenSSL-, curl-, Python-,
 *       Go- and Rust-based programs, which replace their roots with the file they are given;</li>
 *   <li>{@code truststore.p12}: PKCS12 with this JVM's default roots plus the CA (alias {@value #CA_ALIAS},
 *       password {@value #TRUST_STORE_PASSWORD}), for launched Java programs, and beside it
 *       {@code truststore.p12.sha256}, a digest of its entries, so that a later run need not read it back, and
 *       {@code truststore.p12.source}, a digest of where the entries come from, so that it need not read those
 *       either;</li>
 *   <li>{@code certs/}: an OpenSSL hashed directory ({@code <subject-hash>.0}) holding the CA, for
 *       {@code SSL_CERT_DIR}.</li>
 * </ul>
 *
 * <p>Writing is idempotent and atomic (temporary file, then rename), so several JVMs may export into one
 * directory at once and readers never see half a file. {@link dev.apptap.proxy.launch.LaunchEnvironment} turns
 * the paths into environment variables.
 *
 * <pre>{@code
 * TrustExports trust = TrustExports.write(CertificateAuthority.userDefault());
 * new ProcessBuilder("curl", "https://example.com").environment().putAll(LaunchEnvironment.trust(trust));
 * }</pre>
 */
public final class TrustExports {

    public static final String TRUST_STORE_PASSWORD = "changeit";
    public static final String TRUST_STORE_TYPE = "PKCS12";
    public static final String CA_ALIAS = "apptap-ca";

    private final Path directory;
    private final Path osBundle;

    private TrustExports(Path directory, Path osBundle) {
        this.directory = directory;
        this.osBundle = osBundle;
    }

    /** Writes into {@code <ca directory>/trust/}, or a private temporary directory for an ephemeral CA. */
    public static TrustExports write(CertificateAuthority ca) {
        return write(ca, ca.directory().map(d -> d.resolve("trust")).orElseGet(ca::ephemeralExportDirectory));
    }

    /** Writes into {@code directory}, creating it if needed. */
    public static TrustExports write(CertificateAuthority ca, Path directory) {
        return write(ca, directory, SystemTrustAnchors.OS_BUNDLES);
    }

    static TrustExports write(CertificateAuthority ca, Path directory, List<Path> osBundleCandidates) {
        Path dir = directory.toAbsolutePath().normalize();
        Path osBundle = SystemTrustAnchors.firstBundle(osBundleCandidates).orElse(null);
        TrustExports exports = new TrustExports(dir, osBundle);
        Path current = dir;
        try {
            Files.createDirectories(exports.certificateDirectory());
            byte[] caPem = ca.certificatePem().getBytes(StandardCharsets.US_ASCII);
            current = exports.caCertificate();
            AtomicFiles.writeIfChanged(current, caPem, AtomicFiles.PUBLIC_READ);
            current = exports.caBundle();
            AtomicFiles.writeIfChanged(current, bundle(osBundle, ca), AtomicFiles.PUBLIC_READ);
            current = exports.hashedCaCertificate(ca);
            AtomicFiles.writeIfChanged(current, caPem, AtomicFiles.PUBLIC_READ);
            current = exports.trustStore();
            writeTrustStore(current, ca);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new CertificateAuthorityException("apptap could not write the trust file " + current + " (" + e
                    + "); make " + dir + " writable, or export into another directory.", current, e);
        }
        return exports;
    }

    public Path directory() {
        return directory;
    }

    /** {@code apptap-ca.pem}: the CA certificate alone. */
    public Path caCertificate() {
        return directory.resolve("apptap-ca.pem");
    }

    /** {@code ca-bundle.pem}: the operating system's roots, then the CA. */
    public Path caBundle() {
        return directory.resolve("ca-bundle.pem");
    }

    /** {@code truststore.p12}: PKCS12, password {@value #TRUST_STORE_PASSWORD}, the JDK's roots plus the CA. */
    public Path trustStore() {
        return directory.resolve("truststore.p12");
    }

    /** {@code certs/}: an OpenSSL hashed directory holding the CA. */
    public Path certificateDirectory() {
        return directory.resolve("certs");
    }

    /** The operating system bundle the CA was appended to; empty where none was found (the bundle is then the CA alone). */
    public Optional<Path> osBundle() {
        return Optional.ofNullable(osBundle);
    }

    public String trustStorePassword() {
        return TRUST_STORE_PASSWORD;
    }

    public String trustStoreType() {
        return TRUST_STORE_TYPE;
    }

    Path hashedCaCertificate(CertificateAuthority ca) {
        return certificateDirectory().resolve(SubjectHash.of(ca.certificate()) + ".0");
    }

    @Override
    public String toString() {
        return "TrustExports[" + directory + (osBundle == null ? ", no OS bundle" : ", OS bundle " + osBundle) + "]";
    }

    private static byte[] bundle(Path osBundle, CertificateAuthority ca) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (osBundle != null) {
            byte[] roots = Files.readAllBytes(osBundle);
            out.write(roots);
            if (roots.length > 0 && roots[roots.length - 1] != '\n') {
                out.write('\n');
            }
        }
        String subject = ca.certificate().getSubjectX500Principal().getName();
        out.write(("# " + subject + "\n" + ca.certificatePem()).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /**
     * PKCS12 output differs on every run (random salts), so a store that already holds the entries is left alone.
     * Reading one back costs a cold JVM most of a second (the password's key derivation, interpreted), so a digest
     * of the entries written beside the store says so first; a store without one is compared by its contents.
     * Even the entries cost a cold JVM 0.05-0.3 s (the JDK's roots), so a digest of where they come from
     * ({@code truststore.p12.source}: the JDK's trust-store files and properties, and the CA) is checked before them.
     */
    private static void writeTrustStore(Path target, CertificateAuthority ca) throws IOException, GeneralSecurityException {
        Path digestFile = target.resolveSibling(target.getFileName() + ".sha256");
        Path sourceFile = target.resolveSibling(target.getFileName() + ".source");
        String source = sha256Hex((SystemTrustAnchors.jdkSource() + "ca " + sha256Hex(ca.certificate().getEncoded()))
                .getBytes(StandardCharsets.UTF_8));
        // the source's digest, then the entries' digest it led to: a store rewritten since (its .sha256 changed)
        // is checked again
        if (Files.isRegularFile(target) && Files.isRegularFile(digestFile) && Files.isRegularFile(sourceFile)
                && Files.readString(sourceFile, StandardCharsets.US_ASCII).equals(source
                        + Files.readString(digestFile, StandardCharsets.US_ASCII))) {
            return;
        }
        writeTrustStore(target, ca, digestFile);
        AtomicFiles.writeIfChanged(sourceFile, (source + Files.readString(digestFile, StandardCharsets.US_ASCII))
                .getBytes(StandardCharsets.US_ASCII), AtomicFiles.PUBLIC_READ);
    }

    private static void writeTrustStore(Path target, CertificateAuthority ca, Path digestFile)
            throws IOException, GeneralSecurityException {
        Map<String, X509Certificate> entries = new LinkedHashMap<>();
        for (X509Certificate anchor : SystemTrustAnchors.jdk()) {
            // the test JVM may itself run with apptap's trust store: don't carry the CA in twice
            if (!anchor.equals(ca.certificate())) {
                entries.putIfAbsent("jdk-" + fingerprint(anchor), anchor);
            }
        }
        entries.put(CA_ALIAS, ca.certificate());
        byte[] digest = digest(entries).getBytes(StandardCharsets.US_ASCII);
        if (Files.isRegularFile(target)) {
            if (Files.isRegularFile(digestFile) && Arrays.equals(Files.readAllBytes(digestFile), digest)) {
                return;
            }
            if (storedCertificates(target).equals(new HashSet<>(entries.values()))) {
                AtomicFiles.writeIfChanged(digestFile, digest, AtomicFiles.PUBLIC_READ);
                return;
            }
        }
        KeyStore store = KeyStore.getInstance(TRUST_STORE_TYPE);
        store.load(null, null);
        for (Map.Entry<String, X509Certificate> entry : entries.entrySet()) {
            store.setCertificateEntry(entry.getKey(), entry.getValue());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.store(out, TRUST_STORE_PASSWORD.toCharArray());
        AtomicFiles.write(target, out.toByteArray(), AtomicFiles.PUBLIC_READ);
        AtomicFiles.writeIfChanged(digestFile, digest, AtomicFiles.PUBLIC_READ);
    }

    private static String digest(Map<String, X509Certificate> entries) throws GeneralSecurityException {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        for (Map.Entry<String, X509Certificate> entry : entries.entrySet()) {
            sha256.update(entry.getKey().getBytes(StandardCharsets.UTF_8));
            sha256.update(entry.getValue().getEncoded());
        }
        return HexFormat.of().formatHex(sha256.digest()) + "\n";
    }

    private static Set<Certificate> storedCertificates(Path file) {
        try {
            KeyStore store = KeyStore.getInstance(TRUST_STORE_TYPE);
            store.load(new ByteArrayInputStream(Files.readAllBytes(file)), TRUST_STORE_PASSWORD.toCharArray());
            Set<Certificate> certificates = new HashSet<>();
            for (String alias : Collections.list(store.aliases())) {
                if (store.isCertificateEntry(alias)) {
                    certificates.add(store.getCertificate(alias));
                }
            }
            return certificates;
        } catch (IOException | GeneralSecurityException e) {
            // unreadable or written with another password: rewrite it
            return Set.of();
        }
    }

    private static String sha256Hex(byte[] bytes) throws GeneralSecurityException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)) + "\n";
    }

    private static String fingerprint(X509Certificate certificate) throws GeneralSecurityException {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        return HexFormat.of().formatHex(digest, 0, 8);
    }
}
