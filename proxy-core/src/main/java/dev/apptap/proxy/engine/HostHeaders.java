package dev.apptap.proxy.engine;

/** Splits a Host header ({@code example.test:8080}, {@code [::1]:443}) without resolving anything. */
final class HostHeaders {

    private HostHeaders() {
    }

    static String host(String authority) {
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            return close > 0 ? authority.substring(1, close) : authority;
        }
        int colon = authority.lastIndexOf(':');
        return colon >= 0 && authority.indexOf(':') == colon ? authority.substring(0, colon) : authority;
    }

    /** Whether the authority names a port ({@code example.test:8080}, {@code [::1]:443}). */
    static boolean hasPort(String authority) {
        if (authority.startsWith("[")) {
            return authority.indexOf("]:") > 0;
        }
        int colon = authority.indexOf(':');
        return colon >= 0 && colon == authority.lastIndexOf(':');
    }

    /**
     * The authority for a flow's URL: a Host header (or {@code :authority}) without a port gets the port the app
     * connected to, unless that is the scheme's default, so {@code Host: 127.0.0.1} on a connection to port 18080
     * reads {@code 127.0.0.1:18080} rather than naming port 80.
     */
    static String withPort(String authority, int connectedPort, int defaultPort) {
        if (hasPort(authority) || connectedPort <= 0) {
            return authority;
        }
        return Addresses.authority(host(authority), connectedPort, defaultPort);
    }
}
