package dev.apptap.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestPkiTest {

    private final TestPki pki = TestPki.get();

    @Test
    void defaultCertificateChainsToTheRootAndNamesEveryLoopbackSpelling() throws Exception {
        TestPki.ServerCertificate certificate = pki.serverCertificate();

        pki.trustManager().checkServerTrusted(certificate.chain().toArray(X509Certificate[]::new), "ECDHE_ECDSA");
        assertThat(certificate.leaf().getSubjectAlternativeNames()).extracting(san -> (Object) san.get(1))
                .containsExactly((Object) "localhost", "upstream.test", "*.upstream.test", "127.0.0.1", "0:0:0:0:0:0:0:1");
        assertThat(certificate.chain()).last().isEqualTo(pki.caCertificate());
    }

    @Test
    void certificatesAreCachedPerNameList() {
        assertThat(pki.serverCertificate("a.test", "10.0.0.1")).isSameAs(pki.serverCertificate("a.test", "10.0.0.1"));
        assertThat(TestPki.get()).isSameAs(pki);
    }

    @Test
    void untrustedAndExpiredCertificatesFailVerification() {
        X509Certificate[] untrusted = pki.untrustedSelfSigned().chain().toArray(X509Certificate[]::new);
        X509Certificate[] expired = pki.expired().chain().toArray(X509Certificate[]::new);

        assertThatThrownBy(() -> pki.trustManager().checkServerTrusted(untrusted, "ECDHE_ECDSA")).isInstanceOf(CertificateException.class);
        assertThatThrownBy(() -> pki.trustManager().checkServerTrusted(expired, "ECDHE_ECDSA")).isInstanceOf(CertificateException.class);
        assertThatThrownBy(() -> pki.expired().leaf().checkValidity()).isInstanceOf(CertificateExpiredException.class);
    }

    @Test
    void writesTheRootAsPem(@TempDir Path directory) throws Exception {
        Path file = pki.writeCaPem(directory.resolve("nested/ca.pem"));

        assertThat(Files.readString(file)).startsWith("-----BEGIN CERTIFICATE-----").isEqualTo(pki.caPem());
        assertThat(Files.readString(pki.caPemFile())).isEqualTo(pki.caPem());
        assertThat(List.of(pki.trustStore().aliases().nextElement())).containsExactly("apptap-test-upstream-root");
    }
}
