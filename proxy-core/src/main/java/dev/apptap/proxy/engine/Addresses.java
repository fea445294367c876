package dev.apptap.proxy.engine;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Address formatting without DNS lookups. */
final class Addresses {

    private Addresses() {
    }

    /** The IP literal of a resolved address ({@code ::1} without brackets), or the unresolved host name. */
    static String literal(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            return address.getHostString();
        }
        String text = ip.getHostAddress();
        if (ip instanceof Inet6Address) {
            int scope = text.indexOf('%');
            if (scope >= 0) {
                text = text.substring(0, scope);
            }
        }
        return text;
    }

    /** {@code host:port}, with IPv6 literals bracketed, as a URL authority. */
    static String authority(String host, int port, int defaultPort) {
        String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return port == defaultPort ? h : h + ":" + port;
    }

    /** Whether {@code host} is an IPv4 or IPv6 literal (never resolves anything). */
    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        int dots = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return dots == 3;
    }
}
