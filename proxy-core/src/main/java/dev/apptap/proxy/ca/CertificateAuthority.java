package dev.apptap.proxy.ca;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * apptap's certificate authority: the root that signs every leaf certificate apptap shows to apps.
 *
 * TODO(helper ca): implement as specified.
 */
public final class CertificateAuthority {

    private CertificateAuthority() {
    }

    /** The per-user CA in {@code ~/.apptap/} (or the directory in system property {@code apptap.home}), created on first use. */
    public static CertificateAuthority userDefault() {
        throw new UnsupportedOperationException("not yet");
    }

    /** The CA stored in {@code directory}, created there on first use. */
    public static CertificateAuthority loadOrCreate(Path directory) {
        throw new UnsupportedOperationException("not yet");
    }

    /** A CA that lives only in memory, for this JVM. */
    public static CertificateAuthority ephemeral() {
        throw new UnsupportedOperationException("not yet");
    }

    public X509Certificate certificate() {
        throw new UnsupportedOperationException("not yet");
    }

    /** The CA certificate in PEM form. */
    public String certificatePem() {
        throw new UnsupportedOperationException("not yet");
    }

    PrivateKey privateKey() {
        throw new UnsupportedOperationException("not yet");
    }
}
