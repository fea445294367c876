package dev.apptap.proxy.engine;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Where to open an upstream connection and how.
 *
 * @param host     the name (or IP literal) the app addressed: used for SNI, certificate checks and messages
 * @param port     the port
 * @param address  the numeric address to connect to when the redirector knew it; {@code null} to resolve {@code host}
 * @param tls      whether to speak TLS to the upstream
 * @param alpn     the protocols to offer upstream, in preference order; empty for none
 */
record UpstreamTarget(String host, int port, InetSocketAddress address, boolean tls, List<String> alpn,
                      List<X509Certificate> extraTrust, boolean insecure) {

    UpstreamTarget {
        alpn = List.copyOf(alpn);
        extraTrust = List.copyOf(extraTrust);
    }

    /** A target verified with the engine's own trust settings. */
    UpstreamTarget(String host, int port, InetSocketAddress address, boolean tls, List<String> alpn) {
        this(host, port, address, tls, alpn, List.of(), false);
    }

    /** Offers {@code protocol} alone, or nothing when it is empty. */
    static List<String> only(String protocol) {
        return protocol == null || protocol.isEmpty() ? List.of() : List.of(protocol);
    }

    String authority() {
        return Addresses.authority(host, port, -1);
    }

    /** Whether an open upstream connection made for {@code other} can serve this target too. */
    boolean sameConnectionAs(UpstreamTarget other) {
        return other != null && host.equalsIgnoreCase(other.host) && port == other.port && tls == other.tls
                && alpn.equals(other.alpn) && extraTrust.equals(other.extraTrust) && insecure == other.insecure;
    }
}
