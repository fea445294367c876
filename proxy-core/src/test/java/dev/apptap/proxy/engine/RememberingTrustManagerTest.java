package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.LeafCertificates;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;

/** Upstream chains verified once are not path-validated again for the same host, and failures are never kept. */
class RememberingTrustManagerTest {

    private static final CertificateAuthority CA = CertificateAuthority.ephemeral();
    private static final CertificateAuthority OTHER_CA = CertificateAuthority.ephemeral();

    private final CountingTrustManager pkix = new CountingTrustManager(trusting(CA.certificate()));
    private final RememberingTrustManager remembering = new RememberingTrustManager(pkix);

    @Test
    void skipsPathValidationForAChainItVerifiedForTheSameHost() throws Exception {
        X509Certificate[] chain = chainFor(CA, "api.example.test");

        remembering.checkServerTrusted(chain, "ECDHE_ECDSA", engineFor("api.example.test"));
        remembering.checkServerTrusted(chain, "ECDHE_ECDSA", engineFor("api.example.test"));

        assertThat(pkix.checks).hasValue(1);
    }

    @Test
    void verifiesTheSameChainAgainForAnotherHostAndRejectsTheMismatch() throws Exception {
        X509Certificate[] chain = chainFor(CA, "api.example.test");
        remembering.checkServerTrusted(chain, "ECDHE_ECDSA", engineFor("api.example.test"));

        assertThatThrownBy(() -> remembering.checkServerTrusted(chain, "ECDHE_ECDSA", engineFor("evil.example.test")))
                .isInstanceOf(CertificateException.class);
        assertThat(pkix.checks).hasValue(2);
    }

    @Test
    void neverRemembersARejectedChain() throws Exception {
        X509Certificate[] untrusted = chainFor(OTHER_CA, "api.example.test");

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> remembering.checkServerTrusted(untrusted, "ECDHE_ECDSA", engineFor("api.example.test")))
                    .isInstanceOf(CertificateException.class);
        }
        assertThat(pkix.checks).hasValue(2);
    }

    private static X509Certificate[] chainFor(CertificateAuthority ca, String host) throws Exception {
        return new LeafCertificates(ca, Runnable::run).forHost(host).get().chain().toArray(X509Certificate[]::new);
    }

    private static SSLEngine engineFor(String host) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine(host, 443);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return engine;
    }

    private static X509ExtendedTrustManager trusting(X509Certificate root) {
        try {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            anchors.setCertificateEntry("root", root);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(anchors);
            return (X509ExtendedTrustManager) factory.getTrustManagers()[0];
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The JDK's PKIX trust manager, counting how often it is asked about a server. It checks the host against the
     * leaf's DNS names itself: the JDK does that only inside a real handshake, which these tests do not run.
     */
    private static final class CountingTrustManager extends X509ExtendedTrustManager {
        final AtomicInteger checks = new AtomicInteger();
        private final X509ExtendedTrustManager real;

        CountingTrustManager(X509ExtendedTrustManager real) {
            this.real = real;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            checks.incrementAndGet();
            real.checkServerTrusted(chain, authType);
            boolean named = chain[0].getSubjectAlternativeNames().stream()
                    .anyMatch(name -> engine.getPeerHost().equals(name.get(1)));
            if (!named) {
                throw new CertificateException("The certificate does not name " + engine.getPeerHost() + ".");
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            checks.incrementAndGet();
            real.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            checks.incrementAndGet();
            real.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            real.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            real.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            real.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return real.getAcceptedIssuers();
        }
    }
}
