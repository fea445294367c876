package dev.apptap.proxy.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

    @TempDir
    Path dir;

    @Test
    void createsCertificateAndOwnerOnlyKeyOnFirstUse() throws Exception {
        Path home = dir.resolve("home");

        CertificateAuthority ca = CertificateAuthority.loadOrCreate(home);

        assertThat(home.resolve("apptap-ca.pem")).isRegularFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("apptap-ca-key.pem"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home))).isEqualTo("rwx------");
        assertThat(Files.readString(home.resolve("apptap-ca-key.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(home.resolve("apptap-ca.pem"))).isEqualTo(ca.certificatePem());
        assertThat(ca.directory()).contains(home.toAbsolutePath());
        try (Stream<Path> files = Files.list(home)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("no temporary files are left behind")
                    .containsExactlyInAnyOrder("apptap-ca.pem", "apptap-ca-key.pem", ".apptap-ca.lock");
        }
    }

    @Test
    void caCertificateIsAnEcRootThatMaySignOnlyLeaves() throws Exception {
        X509Certificate certificate = CertificateAuthority.loadOrCreate(dir).certificate();

        assertThat(certificate.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(certificate.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(certificate.getSubjectX500Principal()).isEqualTo(certificate.getIssuerX500Principal());
        assertThat(certificate.getSubjectX500Principal().getName())
                .matches("CN=apptap CA \\(" + System.getProperty("user.name") + "@.+\\),O=apptap");
        assertThat(certificate.getBasicConstraints()).isZero();
        assertThat(certificate.getCriticalExtensionOIDs())
                .contains(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
        assertThat(certificate.getKeyUsage()).startsWith(true, false, false, false, false, true, true);
        assertThat(certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
        assertThat(certificate.getSerialNumber().signum()).isPositive();
        assertThat(certificate.getSerialNumber().bitLength()).isBetween(100, 128);
        assertThat(certificate.getNotBefore().toInstant()).isBefore(Instant.now().minus(Duration.ofDays(1)));
        assertThat(certificate.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(3650)));
        certificate.verify(certificate.getPublicKey());
    }

    @Test
    void reloadingGivesTheSameCa() {
        CertificateAuthority first = CertificateAuthority.loadOrCreate(dir);

        CertificateAuthority second = CertificateAuthority.loadOrCreate(dir);

        assertThat(second.certificate()).isEqualTo(first.certificate());
        assertThat(second.privateKey().getEncoded()).isEqualTo(first.privateKey().getEncoded());
    }

    @Test
    void userDefaultLivesInTheApptapHomeProperty() {
        String previous = System.getProperty(CertificateAuthority.HOME_PROPERTY);
        System.setProperty(CertificateAuthority.HOME_PROPERTY, dir.resolve("custom").toString());
        try {
            CertificateAuthority ca = CertificateAuthority.userDefault();

            assertThat(ca.certificateFile()).contains(dir.resolve("custom").resolve("apptap-ca.pem").toAbsolutePath());
        } finally {
            if (previous == null) {
                System.clearProperty(CertificateAuthority.HOME_PROPERTY);
            } else {
                System.setProperty(CertificateAuthority.HOME_PROPERTY, previous);
            }
        }
    }

    @Test
    void userDefaultDirectoryIsDotApptapInTheHomeDirectoryWithoutTheProperty() {
        String previous = System.getProperty(CertificateAuthority.HOME_PROPERTY);
        System.clearProperty(CertificateAuthority.HOME_PROPERTY);
        try {
            assertThat(CertificateAuthority.userDefaultDirectory())
                    .isEqualTo(Path.of(System.getProperty("user.home"), ".apptap"));
        } finally {
            if (previous != null) {
                System.setProperty(CertificateAuthority.HOME_PROPERTY, previous);
            }
        }
    }

    @Test
    void ephemeralCaWritesNothing() {
        CertificateAuthority ca = CertificateAuthority.ephemeral();

        assertThat(ca.directory()).isEmpty();
        assertThat(ca.certificateFile()).isEmpty();
        assertThat(ca.certificate().getBasicConstraints()).isZero();
        assertThat(CertificateAuthority.ephemeral().certificate()).isNotEqualTo(ca.certificate());
    }

    @Test
    void rejectsDamagedCertificateWithSentenceNamingIt() throws Exception {
        CertificateAuthority.loadOrCreate(dir);
        Path certificate = dir.resolve("apptap-ca.pem");
        String pem = Files.readString(certificate);
        Files.writeString(certificate, pem.substring(0, pem.length() / 2));

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(dir))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessage("The apptap CA certificate " + certificate.toAbsolutePath() + " is not a PEM certificate"
                        + " (BEGIN CERTIFICATE); delete both " + certificate.toAbsolutePath() + " and "
                        + dir.resolve("apptap-ca-key.pem").toAbsolutePath() + " and apptap will create a new CA on next start.")
                .satisfies(e -> assertThat(((CertificateAuthorityException) e).file()).contains(certificate.toAbsolutePath()));
    }

    @Test
    void rejectsForeignKeyFileWithSentenceNamingIt() throws Exception {
        CertificateAuthority.loadOrCreate(dir);
        Path key = dir.resolve("apptap-ca-key.pem");
        Files.writeString(key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB5 someone@example\n");

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(dir))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageStartingWith("The apptap CA key " + key.toAbsolutePath()
                        + " is not an unencrypted PEM private key (BEGIN PRIVATE KEY); delete both ")
                .hasMessageEndingWith(" and apptap will create a new CA on next start.");
    }

    @Test
    void rejectsKeyThatDoesNotMatchTheCertificateWithSentenceNamingBoth() throws Exception {
        CertificateAuthority.loadOrCreate(dir);
        Path key = dir.resolve("apptap-ca-key.pem");
        Files.writeString(key, Pem.privateKey(Keys.newEcP256().getPrivate()));

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(dir))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessage("The apptap CA key " + key.toAbsolutePath() + " does not match the certificate "
                        + dir.resolve("apptap-ca.pem").toAbsolutePath() + "; delete both "
                        + dir.resolve("apptap-ca.pem").toAbsolutePath() + " and " + key.toAbsolutePath()
                        + " and apptap will create a new CA on next start.");
    }

    @Test
    void rejectsCertificateThatIsNotACa() throws Exception {
        KeyPair keys = Keys.newEcP256();
        writeCa(keys, CaCertificates.selfSigned(keys, new X500Name("CN=not a ca"),
                Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)), false));

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(dir))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageContaining(dir.resolve("apptap-ca.pem").toAbsolutePath() + " (CN=not a ca) is not a certificate"
                        + " authority, so it cannot sign leaf certificates; delete both ");
    }

    @Test
    void rejectsExpiredCaWithSentenceSayingWhen() throws Exception {
        KeyPair keys = Keys.newEcP256();
        Instant expiry = Instant.parse("2020-01-01T00:00:00Z");
        writeCa(keys, CaCertificates.selfSigned(keys, CaCertificates.apptapSubject("old@host"),
                expiry.minus(Duration.ofDays(365)), expiry, true));

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(dir))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageStartingWith("The apptap CA certificate " + dir.resolve("apptap-ca.pem").toAbsolutePath()
                        + " expired on 2020-01-01T00:00:00Z; delete both ")
                .hasMessageEndingWith("and trust the new CA where you trusted the old one.");
    }

    @Test
    void rejectsDirectoryWithOnlyTheCertificate() throws Exception {
        CertificateAuthority.loadOrCreate(dir);
        Files.delete(dir.resolve("apptap-ca-key.pem"));

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(dir))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageStartingWith("The apptap CA directory " + dir.toAbsolutePath()
                        + " holds apptap-ca.pem but not apptap-ca-key.pem; restore ");
    }

    @Test
    void acceptsAValidCaItDidNotCreate() throws Exception {
        KeyPair keys = Keys.newEcP256();
        X509Certificate certificate = CaCertificates.selfSigned(keys, new X500Name("CN=Team CA,O=Example"),
                Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)), true);
        writeCa(keys, certificate);

        assertThat(CertificateAuthority.loadOrCreate(dir).certificate()).isEqualTo(certificate);
    }

    @Test
    void concurrentCreationFromEightThreadsYieldsOneCa() throws Exception {
        Path home = dir.resolve("race");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<CertificateAuthority>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Callable<CertificateAuthority> create = () -> {
                    start.await();
                    return CertificateAuthority.loadOrCreate(home);
                };
                results.add(pool.submit(create));
            }
            start.countDown();
            Set<X509Certificate> certificates = new HashSet<>();
            for (Future<CertificateAuthority> result : results) {
                certificates.add(result.get(30, TimeUnit.SECONDS).certificate());
            }

            assertThat(certificates).hasSize(1);
            assertThat(CertificateAuthority.loadOrCreate(home).certificate()).isEqualTo(certificates.iterator().next());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentCreationFromSeveralJvmsYieldsOneCa() throws Exception {
        Path home = dir.resolve("jvm-race");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            processes.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    CaCreatorMain.class.getName(), home.toString()).redirectErrorStream(true).start());
        }
        List<String> fingerprints = new ArrayList<>();
        for (Process process : processes) {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(output).isZero();
            fingerprints.add(output.lines().filter(l -> l.startsWith("FINGERPRINT ")).findFirst().orElse(output));
        }

        assertThat(fingerprints.stream().collect(Collectors.toSet()))
                .containsExactly("FINGERPRINT " + CertificateAuthority.loadOrCreate(home).sha256Fingerprint());
    }

    private void writeCa(KeyPair keys, X509Certificate certificate) throws Exception {
        Files.writeString(dir.resolve("apptap-ca.pem"), Pem.certificate(certificate));
        Files.writeString(dir.resolve("apptap-ca-key.pem"), Pem.privateKey(keys.getPrivate()));
        Files.setPosixFilePermissions(dir.resolve("apptap-ca-key.pem"), PosixFilePermissions.fromString("rw-------"));
    }
}
