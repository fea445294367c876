package dev.apptap.proxy.ca;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/** PEM text in and out, through Bouncy Castle; parse failures come back as empty, the caller words the error. */
final class Pem {

    private Pem() {
    }

    static String certificate(X509Certificate certificate) {
        try {
            return write(new PemObject("CERTIFICATE", certificate.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("A certificate apptap holds could not be encoded.", e);
        }
    }

    /** PKCS#8 ("BEGIN PRIVATE KEY"), which every TLS stack and OpenSSL 1.1+ reads without hints. */
    static String privateKey(PrivateKey key) {
        return write(new PemObject("PRIVATE KEY", key.getEncoded()));
    }

    /** The first certificate in {@code text}, or empty when there is none or it does not decode. */
    static Optional<X509Certificate> readCertificate(String text) {
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            Object object = parser.readObject();
            if (!(object instanceof X509CertificateHolder)) {
                return Optional.empty();
            }
            return Optional.of(new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) object));
        } catch (IOException | CertificateException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** An unencrypted PKCS#8 or traditional OpenSSL key, or empty. */
    static Optional<PrivateKey> readPrivateKey(String text) {
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            Object object = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PrivateKeyInfo) {
                return Optional.of(converter.getPrivateKey((PrivateKeyInfo) object));
            }
            if (object instanceof PEMKeyPair) {
                return Optional.of(converter.getPrivateKey(((PEMKeyPair) object).getPrivateKeyInfo()));
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String write(PemObject object) {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
