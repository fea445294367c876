package dev.apptap.proxy.testing;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The PKI of the fake upstream world: a root CA that has nothing to do with apptap's own CA, and server
 * certificates issued by it. Tests hand the root to the engine as "trusted upstream" (or withhold it to see
 * upstream verification fail) and to clients only when they talk to an {@link OriginServer} directly.
 *
 * <p>Everything is generated once per JVM: key generation and signing cost tens of milliseconds each, and
 * hundreds of tests share the same few certificates.
 */
public final class TestPki {

    /** The names every default server certificate carries, so one origin answers for all loopback spellings. */
    public static final List<String> DEFAULT_NAMES = List.of("localhost", "upstream.test", "*.upstream.test", "127.0.0.1", "::1");

    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static volatile TestPki instance;

    private final KeyPair caKeys;
    private final X509Certificate caCertificate;
    private final Map<List<String>, ServerCertificate> issued = new ConcurrentHashMap<>();
    private volatile ServerCertificate untrusted;
    private volatile ServerCertificate expired;
    private volatile Path caPemFile;

    private TestPki() {
        caKeys = newKeyPair();
        X500Name name = new X500Name("CN=apptap test upstream root,O=apptap tests");
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))), name, caKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(caKeys.getPublic()));
            caCertificate = sign(builder, caKeys.getPrivate());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("The test root CA could not be created.", e);
        }
    }

    /** The PKI shared by every test in this JVM. */
    public static TestPki get() {
        TestPki pki = instance;
        if (pki == null) {
            synchronized (TestPki.class) {
                pki = instance;
                if (pki == null) {
                    pki = new TestPki();
                    instance = pki;
                }
            }
        }
        return pki;
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    public String caPem() {
        return pem(caCertificate);
    }

    /** Writes the root as PEM to {@code file} (creating parent folders) and returns the file. */
    public Path writeCaPem(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, caPem(), StandardCharsets.US_ASCII);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("The test root CA could not be written to " + file + ".", e);
        }
    }

    /** A PEM file of the root that lives as long as the JVM, for clients' {@code --cacert}-style options. */
    public Path caPemFile() {
        Path file = caPemFile;
        if (file == null) {
            synchronized (this) {
                file = caPemFile;
                if (file == null) {
                    try {
                        file = Files.createTempFile("apptap-test-upstream-ca-", ".pem");
                    } catch (IOException e) {
                        throw new UncheckedIOException("No temporary file for the test root CA could be created.", e);
                    }
                    file.toFile().deleteOnExit();
                    caPemFile = writeCaPem(file);
                }
            }
        }
        return file;
    }

    /** A PKCS12 key store holding the root as its only trusted entry. */
    public KeyStore trustStore() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("apptap-test-upstream-root", caCertificate);
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("A trust store for the test root CA could not be built.", e);
        }
    }

    /** A trust manager that trusts the root and nothing else (not the JDK's roots). */
    public X509TrustManager trustManager() {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trustStore());
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("The JDK offered no X509TrustManager for the test root CA.");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("A trust manager for the test root CA could not be built.", e);
        }
    }

    /** A JDK client context trusting only the root, for raw {@code SSLSocket}s and {@code HttpClient}. */
    public SSLContext jdkClientContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustManager()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("A JDK client TLS context for the test root CA could not be built.", e);
        }
    }

    /** A Netty client context trusting only the root, offering ALPN http/1.1. */
    public SslContext nettyClientContext() {
        try {
            return SslContextBuilder.forClient().trustManager(caCertificate).applicationProtocolConfig(http11Alpn()).build();
        } catch (SSLException e) {
            throw new IllegalStateException("A Netty client TLS context for the test root CA could not be built.", e);
        }
    }

    /** The certificate for {@link #DEFAULT_NAMES}, issued by the root. */
    public ServerCertificate serverCertificate() {
        return serverCertificate(DEFAULT_NAMES.toArray(String[]::new));
    }

    /**
     * A certificate issued by the root for {@code names}; IP literals become IP SANs, anything else DNS SANs.
     * The first name is also the subject's common name.
     */
    public ServerCertificate serverCertificate(String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("A server certificate needs at least one name.");
        }
        Instant now = Instant.now();
        return issued.computeIfAbsent(List.of(names), key -> issue(key, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)), false));
    }

    /** A self-signed certificate for {@link #DEFAULT_NAMES} that no trust store knows: upstream verification must fail. */
    public ServerCertificate untrustedSelfSigned() {
        ServerCertificate certificate = untrusted;
        if (certificate == null) {
            Instant now = Instant.now();
            certificate = issue(DEFAULT_NAMES, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)), true);
            untrusted = certificate;
        }
        return certificate;
    }

    /** A certificate for {@link #DEFAULT_NAMES} issued by the root that expired yesterday. */
    public ServerCertificate expired() {
        ServerCertificate certificate = expired;
        if (certificate == null) {
            Instant now = Instant.now();
            certificate = issue(DEFAULT_NAMES, now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)), false);
            expired = certificate;
        }
        return certificate;
    }

    /** A leaf key and its chain (leaf first, the root last unless self-signed). */
    public record ServerCertificate(PrivateKey key, List<X509Certificate> chain) {

        public ServerCertificate {
            chain = List.copyOf(chain);
        }

        public X509Certificate leaf() {
            return chain.get(0);
        }

        /** A Netty server context builder with this key and chain and ALPN offering only http/1.1. */
        public SslContextBuilder serverContextBuilder() {
            return SslContextBuilder.forServer(key, chain).applicationProtocolConfig(http11Alpn());
        }

        public SslContext serverContext() {
            try {
                return serverContextBuilder().build();
            } catch (SSLException e) {
                throw new IllegalStateException("A server TLS context for " + leaf().getSubjectX500Principal() + " could not be built.", e);
            }
        }

        /** A PKCS12 key store with this key and chain under the alias "server", for JDK servers. */
        public KeyStore keyStore(char[] password) {
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("server", key, password, chain.toArray(X509Certificate[]::new));
                return store;
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("A key store for " + leaf().getSubjectX500Principal() + " could not be built.", e);
            }
        }

        public String chainPem() {
            StringBuilder text = new StringBuilder();
            chain.forEach(certificate -> text.append(pem(certificate)));
            return text.toString();
        }
    }

    static ApplicationProtocolConfig http11Alpn() {
        // NO_ADVERTISE + ACCEPT: a client that offers only h2 still gets HTTP/1.1 instead of a failed handshake.
        return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                ApplicationProtocolNames.HTTP_1_1);
    }

    private ServerCertificate issue(List<String> names, Instant notBefore, Instant notAfter, boolean selfSigned) {
        KeyPair leafKeys = newKeyPair();
        X500Name subject = new X500Name("CN=" + names.get(0).replace("*", "wildcard") + ",O=apptap tests");
        X500Name issuer = selfSigned ? subject : X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded());
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            List<GeneralName> sans = new ArrayList<>();
            for (String name : names) {
                sans.add(isIpLiteral(name) ? new GeneralName(GeneralName.iPAddress, name) : new GeneralName(GeneralName.dNSName, name));
            }
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial(),
                    Date.from(notBefore), Date.from(notAfter), subject, leafKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(leafKeys.getPublic()))
                    // Strict verifiers (Python 3.13's VERIFY_X509_STRICT) reject leaves without an authority key id.
                    .addExtension(Extension.authorityKeyIdentifier, false, selfSigned
                            ? extensions.createAuthorityKeyIdentifier(leafKeys.getPublic())
                            : extensions.createAuthorityKeyIdentifier(caCertificate));
            X509Certificate leaf = sign(builder, selfSigned ? leafKeys.getPrivate() : caKeys.getPrivate());
            return new ServerCertificate(leafKeys.getPrivate(), selfSigned ? List.of(leaf) : List.of(leaf, caCertificate));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("A test server certificate for " + names + " could not be issued.", e);
        }
    }

    private static boolean isIpLiteral(String name) {
        // Only literals reach InetAddress here, so it never does a DNS lookup.
        return (name.indexOf(':') >= 0 || name.chars().allMatch(c -> c == '.' || Character.isDigit(c))) && parses(name);
    }

    private static boolean parses(String literal) {
        try {
            InetAddress.getByName(literal);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(signer)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("No " + SIGNATURE_ALGORITHM + " signer is available.", e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JDK cannot generate EC P-256 keys.", e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).setBit(63);
    }

    static String pem(X509Certificate certificate) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(certificate);
        } catch (IOException e) {
            throw new UncheckedIOException("A certificate could not be written as PEM.", e);
        }
        return text.toString();
    }
}
