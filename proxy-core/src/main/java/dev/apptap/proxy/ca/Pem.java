package dev.apptap.proxy.ca;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.X509TrustedCertificateBlock;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM text in and out, through Bouncy Castle. Inside the package, parse failures come back as empty and the caller
 * words the error; {@link #readCertificates} is for everyone who reads a PEM file of certificates (upstream roots,
 * the operating system's bundle) and words its errors itself:
 *
 * <pre>{@code
 * List<X509Certificate> roots = Pem.readCertificates(Path.of("corp-root.pem"), "the upstream trust file corp-root.pem");
 * }</pre>
 */
public final class Pem {

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

    /**
     * Every certificate in the PEM file {@code file}, in file order; text between the blocks (comments, other
     * objects) is skipped, as in the operating system's bundles.
     *
     * @param described the file as the error messages should name it: {@code the upstream trust file /etc/corp.pem
     *                  (from @InterceptApps(upstreamTrust))}
     * @throws UncheckedIOException     when the file cannot be read
     * @throws IllegalArgumentException when it holds no certificate, or a block that does not decode
     */
    public static List<X509Certificate> readCertificates(Path file, String described) {
        List<X509Certificate> certificates = new ArrayList<>();
        try (Reader text = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(text)) {
            JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                if (object instanceof X509TrustedCertificateBlock trusted) {
                    object = trusted.getCertificateHolder();
                }
                if (object instanceof X509CertificateHolder holder) {
                    certificates.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException e) {
            if (Files.isReadable(file)) {
                throw new IllegalArgumentException("apptap could not read " + described + " as PEM certificates ("
                        + e.getMessage() + "); give a file in PEM format.", e);
            }
            throw new UncheckedIOException("apptap could not read " + described + ": " + e + ".", e);
        } catch (CertificateException | RuntimeException e) {
            throw new IllegalArgumentException("apptap could not read " + described + " as PEM certificates ("
                    + e.getMessage() + "); give a file in PEM format.", e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("apptap found no certificate in " + described
                    + "; give a PEM file with one or more.");
        }
        return certificates;
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
