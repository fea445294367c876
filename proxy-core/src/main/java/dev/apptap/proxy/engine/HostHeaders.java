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
}
