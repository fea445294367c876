package dev.apptap.proxy.ca;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Provider;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Signs leaf certificates. Everything that does not depend on the host (issuer name, key identifiers, the shared
 * leaf key, the fixed extensions) is encoded once here, so a new host costs one ECDSA signature.
 */
final class LeafMinter {

    /** Apple accepts at most 398 days for TLS server certificates; a year stays clear of that. */
    static final Duration VALIDITY = Duration.ofDays(365);

    private final CertificateAuthority ca;
    private final KeyPair leafKeys;
    private final X500Name issuer;
    private final SubjectPublicKeyInfo leafPublicKey;
    private final Date caNotAfter;
    private final List<Extension> fixedExtensions;
    private final JcaContentSignerBuilder signerBuilder;
    /** Neither ContentSigner nor CertificateFactory promises thread safety; one per minting thread is cheap. */
    private final ThreadLocal<ContentSigner> signers;
    private final ThreadLocal<CertificateFactory> factories = ThreadLocal.withInitial(LeafMinter::x509Factory);

    LeafMinter(CertificateAuthority ca, KeyPair leafKeys) {
        this.ca = ca;
        this.leafKeys = leafKeys;
        try {
            X509Certificate caCertificate = ca.certificate();
            // the issuer must be byte-identical to the CA's subject or chain building fails, so copy it, don't rebuild it
            this.issuer = new JcaX509CertificateHolder(caCertificate).getSubject();
            this.leafPublicKey = SubjectPublicKeyInfo.getInstance(leafKeys.getPublic().getEncoded());
            this.caNotAfter = caCertificate.getNotAfter();
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            this.fixedExtensions = List.of(
                    new Extension(Extension.basicConstraints, true, new DEROctetString(new BasicConstraints(false))),
                    new Extension(Extension.keyUsage, true, new DEROctetString(new KeyUsage(KeyUsage.digitalSignature))),
                    new Extension(Extension.extendedKeyUsage, false,
                            new DEROctetString(new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))),
                    new Extension(Extension.authorityKeyIdentifier, false,
                            new DEROctetString(utils.createAuthorityKeyIdentifier(caCertificate))),
                    new Extension(Extension.subjectKeyIdentifier, false,
                            new DEROctetString(utils.createSubjectKeyIdentifier(leafPublicKey))));
        } catch (GeneralSecurityException | IOException e) {
            throw new CertificateAuthorityException("apptap could not prepare to sign leaf certificates with its CA "
                    + ca.certificate().getSubjectX500Principal().getName() + " (" + e + ").", ca.certificateFile().orElse(null), e);
        }
        this.signerBuilder = new JcaContentSignerBuilder(Keys.signatureAlgorithm(ca.privateKey()))
                .setProvider(BouncyCastleSigning.PROVIDER);
        this.signers = ThreadLocal.withInitial(this::newSigner);
    }

    LeafCertificate mint(LeafHost host) throws GeneralSecurityException, IOException {
        Instant now = Instant.now();
        Date notAfter = Date.from(now.plus(VALIDITY));
        if (notAfter.after(caNotAfter)) {
            // a leaf outliving its issuer fails validation in some clients; end with the CA instead
            notAfter = caNotAfter;
        }
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(issuer, Keys.randomSerial(),
                Date.from(now.minus(CaCertificates.BACKDATING)), notAfter, subject(host), leafPublicKey);
        for (Extension extension : fixedExtensions) {
            builder.addExtension(extension);
        }
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(host.subjectAlternativeName()));
        X509CertificateHolder holder = builder.build(signers.get());
        X509Certificate leaf = (X509Certificate) factories.get().generateCertificate(new ByteArrayInputStream(holder.getEncoded()));
        return new LeafCertificate(host.name(), leafKeys.getPrivate(), List.of(leaf, ca.certificate()));
    }

    private static X500Name subject(LeafHost host) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, host.commonName()).build();
    }

    private ContentSigner newSigner() {
        try {
            return signerBuilder.build(ca.privateKey());
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("The CA key cannot sign with " + signerBuilder + ".", e);
        }
    }

    /**
     * Bouncy Castle's P-256 ECDSA signs about twice as fast as SunEC on JDK 17 (0.7 against 1.2 ms per leaf,
     * measured here). The instance is used directly and never registered, so the JVM's provider list is untouched.
     * A holder class, because building the provider takes a noticeable moment and only minting needs it.
     */
    private static final class BouncyCastleSigning {
        static final Provider PROVIDER = new BouncyCastleProvider();
    }

    private static CertificateFactory x509Factory() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM has no X.509 certificate factory.", e);
        }
    }
}
