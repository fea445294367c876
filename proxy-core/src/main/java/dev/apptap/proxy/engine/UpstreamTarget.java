package dev.apptap.proxy.engine;

import java.net.InetSocketAddress;

/**
 * Where to open an upstream connection and how.
 *
 * @param host     the name (or IP literal) the app addressed: used for SNI, certificate checks and messages
 * @param port     the port
 * @param address  the numeric address to connect to when the redirector knew it; {@code null} to resolve {@code host}
 * @param tls      whether to speak TLS to the upstream
 * @param alpn     the protocol to offer upstream, or an empty string for none
 */
record UpstreamTarget(String host, int port, InetSocketAddress address, boolean tls, String alpn) {

    String authority() {
        return Addresses.authority(host, port, -1);
    }

    /** Whether an open upstream connection made for {@code other} can serve this target too. */
    boolean sameConnectionAs(UpstreamTarget other) {
        return other != null && host.equalsIgnoreCase(other.host) && port == other.port && tls == other.tls
                && alpn.equals(other.alpn);
    }
}
