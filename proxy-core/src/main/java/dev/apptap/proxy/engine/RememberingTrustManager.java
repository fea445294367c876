package dev.apptap.proxy.engine;

import java.net.Socket;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Date;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies upstream certificate chains with the JDK's PKIX trust manager and remembers, for a few minutes, the
 * chains (with the host they were checked for) that passed, so that a new connection to a server apptap just
 * verified costs no second path validation. Path validation was the largest single cost of a new upstream
 * connection in profiles (it parses every extension again and throws exceptions internally). The handshake
 * itself still proves that the server holds the leaf's key; only the chain's verdict is reused, and only for
 * the same bytes, host and trust.
 */
final class RememberingTrustManager extends X509ExtendedTrustManager {

    private static final long REMEMBER_NANOS = TimeUnit.MINUTES.toNanos(5);
    private static final int MAX_REMEMBERED = 1024;

    private final X509ExtendedTrustManager delegate;
    private final Map<Key, Long> verifiedUntil = new ConcurrentHashMap<>();

    RememberingTrustManager(X509ExtendedTrustManager delegate) {
        this.delegate = delegate;
    }

    /** Remembers the verdicts of the X.509 trust manager {@code factory} makes. */
    static RememberingTrustManager of(TrustManagerFactory factory) {
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager x509) {
                return new RememberingTrustManager(x509);
            }
        }
        throw new IllegalStateException("The trust manager factory " + factory.getAlgorithm()
                + " made no X.509 trust manager, so apptap cannot verify upstream servers with it.");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        String host = engine == null ? null : engine.getPeerHost();
        Key key = Key.of(chain, authType, host);
        if (key != null && isRemembered(key)) {
            return;
        }
        delegate.checkServerTrusted(chain, authType, engine);
        remember(key, chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }

    private boolean isRemembered(Key key) {
        Long until = verifiedUntil.get(key);
        if (until == null) {
            return false;
        }
        if (System.nanoTime() - until < 0) {
            return true;
        }
        verifiedUntil.remove(key, until);
        return false;
    }

    private void remember(Key key, X509Certificate[] chain) {
        if (key == null) {
            return;
        }
        long now = System.nanoTime();
        long until = now + REMEMBER_NANOS;
        // never past the moment the first certificate of the chain expires
        long expiresIn = earliestNotAfter(chain) - System.currentTimeMillis();
        until = Math.min(until, now + TimeUnit.MILLISECONDS.toNanos(Math.max(0, expiresIn)));
        if (verifiedUntil.size() >= MAX_REMEMBERED) {
            verifiedUntil.clear();
        }
        verifiedUntil.put(key, until);
    }

    private static long earliestNotAfter(X509Certificate[] chain) {
        long earliest = Long.MAX_VALUE;
        for (X509Certificate certificate : chain) {
            Date notAfter = certificate.getNotAfter();
            earliest = Math.min(earliest, notAfter.getTime());
        }
        return earliest;
    }

    /** A chain's encoded bytes, the key exchange type and the host it was verified for. */
    private record Key(byte[][] encoded, String authType, String host, int hash) {

        static Key of(X509Certificate[] chain, String authType, String host) {
            if (chain == null || chain.length == 0 || host == null) {
                return null;
            }
            byte[][] encoded = new byte[chain.length][];
            try {
                for (int i = 0; i < chain.length; i++) {
                    encoded[i] = chain[i].getEncoded();
                }
            } catch (CertificateEncodingException e) {
                return null; // cannot tell chains apart: always verify
            }
            int hash = Arrays.deepHashCode(encoded) * 31 + Objects.hashCode(authType) * 17 + host.hashCode();
            return new Key(encoded, authType, host, hash);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key other && hash == other.hash && host.equals(other.host)
                    && Objects.equals(authType, other.authType) && Arrays.deepEquals(encoded, other.encoded);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
