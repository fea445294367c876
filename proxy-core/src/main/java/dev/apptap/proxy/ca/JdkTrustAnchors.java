package dev.apptap.proxy.ca;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** The roots this JVM trusts by default, as its TLS stack sees them (cacerts, or javax.net.ssl.trustStore if set). */
final class JdkTrustAnchors {

    private JdkTrustAnchors() {
    }

    static List<X509Certificate> load() {
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
}
