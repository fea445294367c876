package dev.apptap.proxy.ca;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate apptap shows to apps for one host, with its key and the chain up to the CA.
 *
 * @param host  the host name or IP literal it was minted for
 * @param key   the private key (shared by all leaves)
 * @param chain the leaf first, then the CA certificate
 */
public record LeafCertificate(String host, PrivateKey key, List<X509Certificate> chain) {

    public LeafCertificate {
        chain = List.copyOf(chain);
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }
}
