package dev.apptap.proxy.ca;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Builds self-signed root certificates. */
final class CaCertificates {

    /** Covers test machines and containers whose clocks run a little behind the one that made the CA. */
    static final Duration BACKDATING = Duration.ofDays(2);

    private CaCertificates() {
    }

    /** A fresh apptap root: EC P-256, valid from two days ago for ten years. */
    static X509Certificate newApptapRoot(KeyPair keys) {
        Instant now = Instant.now();
        Instant notAfter = now.atOffset(ZoneOffset.UTC).plusYears(10).toInstant();
        return selfSigned(keys, apptapSubject(HostIdentity.userAtHost()), now.minus(BACKDATING), notAfter, true);
    }

    static X500Name apptapSubject(String userAtHost) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "apptap")
                .addRDN(BCStyle.CN, "apptap CA (" + userAtHost + ")")
                .build();
    }

    /** {@code ca = false} exists so tests can produce the foreign certificates users sometimes drop in. */
    static X509Certificate selfSigned(KeyPair keys, X500Name subject, Instant notBefore, Instant notAfter, boolean ca) {
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    subject, Keys.randomSerial(), Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic());
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            if (ca) {
                // pathLen 0: this root signs leaves only, so a stolen leaf key can never act as an intermediate.
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
                builder.addExtension(Extension.keyUsage, true,
                        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            } else {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            }
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(keys.getPublic()));
            JcaContentSignerBuilder signer = new JcaContentSignerBuilder(Keys.signatureAlgorithm(keys.getPrivate()));
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer.build(keys.getPrivate())));
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("apptap could not build its CA certificate " + subject + ".", e);
        }
    }
}
