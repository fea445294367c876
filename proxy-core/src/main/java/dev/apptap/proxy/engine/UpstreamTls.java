package dev.apptap.proxy.engine;

import dev.apptap.proxy.ca.Pem;
import dev.apptap.proxy.ca.SystemTrustAnchors;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS towards upstream servers: verified by default against the JDK's roots, the operating system's bundle
 * and whatever the caller adds; sends SNI; checks the host name; offers the protocol the app agreed on.
 */
final class UpstreamTls {

    private static final System.Logger LOG = System.getLogger(UpstreamTls.class.getName());
    private final EngineSettings settings;
    private final ConcurrentHashMap<String, SslContext> contextsByAlpn = new ConcurrentHashMap<>();
    private volatile RememberingTrustManager trust;

    UpstreamTls(EngineSettings settings) {
        this.settings = settings;
    }

    /**
     * A client-mode handler for {@code target}, verifying its certificate unless verification is off.
     *
     * @param verifier runs the handshake's slow steps (certificate path validation, about a millisecond for a
     *                 server not seen before) off the event loop, where they would hold up every other connection
     */
    SslHandler newHandler(ByteBufAllocator alloc, UpstreamTarget target, Executor verifier) {
        boolean insecure = settings.upstreamInsecure() || target.insecure();
        String key = String.join(",", target.alpn()) + (insecure ? "|insecure" : "")
                + (target.extraTrust().isEmpty() ? "" : "|" + target.extraTrust().hashCode());
        SslContext context = contextsByAlpn.computeIfAbsent(key,
                k -> build(String.join(",", target.alpn()), insecure, target.extraTrust()));
        SslHandler handler = context.newHandler(alloc, target.host(), target.port(), verifier);
        if (!insecure) {
            SSLEngine engine = handler.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
        }
        return handler;
    }

    /**
     * Loads the roots now, for an engine that is starting: the first HTTPS connection otherwise waits for them on
     * the event loop (a tenth of a second or more in a cold JVM: the JDK's roots and the system bundle's 150
     * certificates). A failure is left for that connection to report.
     */
    void loadTrustAhead() {
        if (settings.upstreamInsecure()) {
            return;
        }
        try {
            trust();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "Loading the upstream roots ahead failed; the first HTTPS connection"
                    + " will try again.", e);
        }
    }

    private SslContext build(String alpn, boolean insecure, List<X509Certificate> routeTrust) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .sslProvider(TlsProviders.provider())
                    .trustManager(insecure ? InsecureTrustManagerFactory.INSTANCE.getTrustManagers()[0]
                            : routeTrust.isEmpty() ? trust() : RememberingTrustManager.of(loadTrust(routeTrust)));
            if (!alpn.isEmpty()) {
                builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn.split(",")));
            }
            return builder.build();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("apptap could not set up TLS towards upstream servers: " + e.getMessage(), e);
        }
    }

    private RememberingTrustManager trust() throws IOException, GeneralSecurityException {
        RememberingTrustManager current = trust;
        if (current == null) {
            synchronized (this) {
                if (trust == null) {
                    trust = RememberingTrustManager.of(loadTrust(List.of()));
                }
                current = trust;
            }
        }
        return current;
    }

    /** The JDK's and the system's roots, the engine's extra trust, and {@code more} (a route's own). */
    private TrustManagerFactory loadTrust(List<X509Certificate> more) throws IOException, GeneralSecurityException {
        KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
        anchors.load(null, null);
        int n = 0;
        for (X509Certificate root : SystemTrustAnchors.jdk()) {
            anchors.setCertificateEntry("jdk-" + n++, root);
        }
        for (Certificate root : SystemTrustAnchors.osBundle().map(UpstreamTls::readBundle).orElse(List.of())) {
            anchors.setCertificateEntry("os-" + n++, root);
        }
        for (X509Certificate extra : settings.extraUpstreamTrust()) {
            anchors.setCertificateEntry("extra-" + n++, extra);
        }
        for (X509Certificate extra : more) {
            anchors.setCertificateEntry("route-" + n++, extra);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(anchors);
        LOG.log(System.Logger.Level.DEBUG, "Upstream TLS trusts {0} roots.", n);
        return factory;
    }

    private static List<X509Certificate> readBundle(Path bundle) {
        try {
            return Pem.readCertificates(bundle, "the system CA bundle " + bundle);
        } catch (UncheckedIOException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage() + " It verifies upstream servers against the JDK's"
                    + " roots only.");
            return List.of();
        }
    }
}
