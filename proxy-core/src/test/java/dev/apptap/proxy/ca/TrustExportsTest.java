package dev.apptap.proxy.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustExportsTest {

    private static final Pattern HASH_LINK = Pattern.compile("[0-9a-f]{8}\\.0");
    private static ExecutorService pool;
    private static CertificateAuthority ca;
    private static LeafCertificates leaves;

    @TempDir
    Path dir;

    @BeforeAll
    static void mintFromOneCa(@TempDir Path caHome) {
        pool = Executors.newFixedThreadPool(2);
        ca = CertificateAuthority.loadOrCreate(caHome);
        leaves = new LeafCertificates(ca, pool);
    }

    @AfterAll
    static void stopPool() {
        pool.shutdownNow();
    }

    @Test
    void writesCaBundleTrustStoreAndHashedDirectory() throws Exception {
        TrustExports exports = TrustExports.write(ca, dir);

        assertThat(exports.directory()).isEqualTo(dir.toAbsolutePath());
        assertThat(Files.readString(exports.caCertificate())).isEqualTo(ca.certificatePem());
        assertThat(Files.readString(exports.caBundle())).endsWith(ca.certificatePem());
        assertThat(exports.trustStore()).isRegularFile();
        try (Stream<Path> files = Files.list(exports.certificateDirectory())) {
            assertThat(files).singleElement().satisfies(file -> {
                assertThat(file.getFileName().toString()).matches(HASH_LINK);
                assertThat(Files.readString(file)).isEqualTo(ca.certificatePem());
            });
        }
    }

    @Test
    void defaultDirectoryIsTrustInsideTheCaDirectory() {
        TrustExports exports = TrustExports.write(ca);

        assertThat(exports.directory()).isEqualTo(ca.directory().orElseThrow().resolve("trust"));
    }

    @Test
    void ephemeralCaExportsIntoOneTemporaryDirectory() {
        CertificateAuthority ephemeral = CertificateAuthority.ephemeral();

        TrustExports first = TrustExports.write(ephemeral);
        TrustExports second = TrustExports.write(ephemeral);

        assertThat(first.directory()).isEqualTo(second.directory());
        assertThat(first.caCertificate()).isRegularFile();
    }

    @Test
    void bundleIsTheOsRootsFollowedByTheCa() throws Exception {
        Path osRoots = dir.resolve("os-roots.crt");
        Files.writeString(osRoots, Pem.certificate(otherRoot()).stripTrailing());

        TrustExports exports = TrustExports.write(ca, dir.resolve("out"), List.of(dir.resolve("missing.crt"), osRoots));

        assertThat(exports.osBundle()).contains(osRoots);
        assertThat(Files.readString(exports.caBundle()))
                .startsWith(Files.readString(osRoots) + "\n")
                .endsWith(ca.certificatePem());
    }

    @Test
    void bundleIsTheCaAloneWhenTheSystemHasNoBundle() throws Exception {
        TrustExports exports = TrustExports.write(ca, dir, List.of(dir.resolve("nothing-here.crt")));

        assertThat(exports.osBundle()).isEmpty();
        assertThat(Files.readString(exports.caBundle()))
                .isEqualTo("# " + ca.certificate().getSubjectX500Principal().getName() + "\n" + ca.certificatePem());
    }

    @Test
    void writingAgainChangesNoFile() throws Exception {
        TrustExports exports = TrustExports.write(ca, dir);
        Map<Path, FileTime> before = modificationTimes(dir);
        Thread.sleep(20);

        TrustExports.write(ca, dir);

        assertThat(modificationTimes(dir)).isEqualTo(before);
        assertThat(before).containsKeys(exports.caBundle(), exports.trustStore());
    }

    @Test
    void aTrustStoreWithoutItsDigestIsKeptAndGetsOne() throws Exception {
        TrustExports exports = TrustExports.write(ca, dir);
        Path digest = exports.trustStore().resolveSibling("truststore.p12.sha256");
        String written = Files.readString(digest);
        Files.delete(digest);
        FileTime storeTime = Files.getLastModifiedTime(exports.trustStore());
        Thread.sleep(20);

        TrustExports.write(ca, dir);

        assertThat(Files.getLastModifiedTime(exports.trustStore())).isEqualTo(storeTime);
        assertThat(Files.readString(digest)).isEqualTo(written);
    }

    @Test
    void aTrustStoreWhoseDigestDoesNotMatchIsWrittenAgain() throws Exception {
        TrustExports exports = TrustExports.write(ca, dir);
        Files.writeString(exports.trustStore(), "not a key store");
        Files.writeString(exports.trustStore().resolveSibling("truststore.p12.sha256"), "0\n");

        TrustExports.write(ca, dir);

        assertThat(trustStoreAliases(exports.trustStore())).contains("apptap-ca");
    }

    @Test
    void aSecondWriteFromTheSameRootsAndCaReadsNeitherTheRootsNorTheStore() throws Exception {
        TrustExports exports = TrustExports.write(ca, dir);
        // a store that could not even be loaded: only a write that reads it would notice
        Files.writeString(exports.trustStore(), "left alone");

        TrustExports.write(ca, dir);

        assertThat(Files.readString(exports.trustStore())).isEqualTo("left alone");
    }

    @Test
    void anotherCaExportingIntoTheSameDirectoryGetsAStoreWithItself(@TempDir Path otherHome) throws Exception {
        TrustExports.write(ca, dir);
        CertificateAuthority other = CertificateAuthority.loadOrCreate(otherHome);

        TrustExports exports = TrustExports.write(other, dir);

        KeyStore store = KeyStore.getInstance(exports.trustStoreType());
        try (InputStream in = Files.newInputStream(exports.trustStore())) {
            store.load(in, exports.trustStorePassword().toCharArray());
        }
        assertThat(store.getCertificate(TrustExports.CA_ALIAS)).isEqualTo(other.certificate());
    }

    @Test
    void theJdkRootsSourceChangesWithTheTrustStoreFileItNames(@TempDir Path home) throws Exception {
        Path store = Files.writeString(home.resolve("roots.p12"), "one");
        Map<String, String> properties = Map.of("java.home", home.toString(), "javax.net.ssl.trustStore",
                store.toString());
        String before = SystemTrustAnchors.jdkSource(properties::get);

        Files.writeString(store, "two, longer");

        assertThat(SystemTrustAnchors.jdkSource(properties::get)).isNotEqualTo(before).contains(store.toString());
        assertThat(SystemTrustAnchors.jdkSource(Map.of("java.home", home.toString())::get))
                .isNotEqualTo(before).contains(home.resolve("lib/security/cacerts") + " absent");
    }

    @Test
    void concurrentWritersLeaveCompleteFilesAndNoTemporaries() throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<TrustExports>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(CompletableFuture.supplyAsync(() -> TrustExports.write(ca, dir), writers));
            }
            for (CompletableFuture<TrustExports> result : results) {
                result.get(60, TimeUnit.SECONDS);
            }
        } finally {
            writers.shutdownNow();
        }

        assertThat(trustStoreAliases(TrustExports.write(ca, dir).trustStore())).contains("apptap-ca");
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".tmp"));
        }
    }

    @Test
    void opensslVerifiesADnsLeafAgainstTheBundle() throws Exception {
        assumeOpenssl();
        TrustExports exports = TrustExports.write(ca, dir);
        Path leaf = TestCertificates.writePem(dir.resolve("leaf.pem"), leaves.forHost("openssl.example.test").get().leaf());

        TestCertificates.Result result = TestCertificates.run("openssl", "verify", "-CAfile", exports.caBundle().toString(),
                "-purpose", "sslserver", "-verify_hostname", "openssl.example.test", leaf.toString());

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).isEqualTo(leaf + ": OK\n");
    }

    @Test
    void opensslVerifiesAnIpLeafAgainstTheBundle() throws Exception {
        assumeOpenssl();
        TrustExports exports = TrustExports.write(ca, dir);
        Path leaf = TestCertificates.writePem(dir.resolve("ip-leaf.pem"), leaves.forHost("127.0.0.1").get().leaf());

        TestCertificates.Result result = TestCertificates.run("openssl", "verify", "-CAfile", exports.caBundle().toString(),
                "-purpose", "sslserver", "-verify_ip", "127.0.0.1", leaf.toString());

        assertThat(result.exitCode()).as(result.output()).isZero();
    }

    @Test
    void opensslFindsTheCaInTheHashedDirectory() throws Exception {
        assumeOpenssl();
        TrustExports exports = TrustExports.write(ca, dir);
        Path leaf = TestCertificates.writePem(dir.resolve("leaf.pem"), leaves.forHost("capath.example.test").get().leaf());

        TestCertificates.Result result = TestCertificates.run("openssl", "verify", "-no-CAfile", "-no-CAstore",
                "-CApath", exports.certificateDirectory().toString(), leaf.toString());

        assertThat(result.exitCode()).as(result.output()).isZero();
    }

    @Test
    void subjectHashMatchesOpenssl() throws Exception {
        assumeOpenssl();
        KeyPair keys = Keys.newEcP256();
        X509Certificate odd = CaCertificates.selfSigned(keys, new X500Name("C=DE,O=  Ex\tAMPLE   GmbH ,CN=Straße  Root\u00c9"),
                Instant.now(), Instant.now().plus(Duration.ofDays(1)), true);

        for (X509Certificate certificate : List.of(ca.certificate(), odd)) {
            Path file = TestCertificates.writePem(Files.createTempFile(dir, "hash", ".pem"), certificate);
            TestCertificates.Result result = TestCertificates.run("openssl", "x509", "-subject_hash", "-noout", "-in", file.toString());

            assertThat(SubjectHash.of(certificate)).as(certificate.getSubjectX500Principal().getName())
                    .isEqualTo(result.output().trim());
        }
    }

    @Test
    void subjectHashMatchesEveryHashLinkInTheSystemCertificateDirectory() throws Exception {
        Path system = Path.of("/etc/ssl/certs");
        assumeThat(system).isDirectory();
        int checked = 0;
        try (Stream<Path> links = Files.list(system)) {
            for (Path link : (Iterable<Path>) links.filter(p -> HASH_LINK.matcher(p.getFileName().toString()).matches())::iterator) {
                if (!Files.exists(link)) {
                    continue; // a dangling link: update-ca-certificates may be rewriting the directory right now
                }
                X509Certificate certificate;
                try {
                    certificate = Pem.readCertificate(Files.readString(link)).orElseThrow();
                } catch (NoSuchFileException removedMeanwhile) {
                    continue;
                }
                String name = link.getFileName().toString();
                assertThat(SubjectHash.of(certificate)).as(link + " " + certificate.getSubjectX500Principal())
                        .isEqualTo(name.substring(0, 8));
                checked++;
            }
        }
        assumeThat(checked).isPositive();
    }

    @Test
    void javaTrustStoreTrustsTheLeafAndStillAJdkRoot() throws Exception {
        TrustExports exports = TrustExports.write(ca, dir);
        KeyStore store = KeyStore.getInstance(exports.trustStoreType());
        try (InputStream in = Files.newInputStream(exports.trustStore())) {
            store.load(in, exports.trustStorePassword().toCharArray());
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        X509TrustManager trustManager = (X509TrustManager) factory.getTrustManagers()[0];
        LeafCertificate leaf = leaves.forHost("java.example.test").get();

        trustManager.checkServerTrusted(leaf.chain().toArray(X509Certificate[]::new), "ECDHE_ECDSA");
        assertThat(store.getCertificate(TrustExports.CA_ALIAS)).isEqualTo(ca.certificate());
        List<X509Certificate> jdkRoots = SystemTrustAnchors.jdk();
        assertThat(jdkRoots).isNotEmpty();
        assertThat(trustManager.getAcceptedIssuers()).hasSize(jdkRoots.size() + 1).contains(jdkRoots.get(0));
        // a self-signed JDK root, presented alone, validates only if the store trusts it
        X509Certificate jdkRoot = jdkRoots.get(0);
        trustManager.checkServerTrusted(new X509Certificate[] {jdkRoot}, jdkRoot.getPublicKey().getAlgorithm().equals("RSA")
                ? "RSA" : "ECDHE_ECDSA");
    }

    private static X509Certificate otherRoot() {
        KeyPair keys = Keys.newEcP256();
        return CaCertificates.selfSigned(keys, new X500Name("CN=Some OS Root"), Instant.now(),
                Instant.now().plus(Duration.ofDays(1)), true);
    }

    private static Map<Path, FileTime> modificationTimes(Path root) throws Exception {
        Map<Path, FileTime> times = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                times.put(file, Files.getLastModifiedTime(file));
            }
        }
        return times;
    }

    private static List<String> trustStoreAliases(Path file) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, TrustExports.TRUST_STORE_PASSWORD.toCharArray());
        }
        return Collections.list(store.aliases());
    }

    private static void assumeOpenssl() throws Exception {
        boolean present;
        try {
            present = TestCertificates.run("openssl", "version").exitCode() == 0;
        } catch (IOException e) {
            present = false;
        }
        assumeThat(present).as("openssl is installed").isTrue();
    }
}
