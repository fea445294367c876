package dev.apptap.flow;

import java.util.Objects;

/**
 * A host and port as the app meant it: {@code host} is a name when the app used one (SNI, Host header,
 * CONNECT target), else an IP literal; {@code address} is the IP the connection really went to, when known.
 *
 * @param host    the host name or IP literal the app addressed
 * @param port    the TCP port
 * @param address the numeric IP address behind {@code host}, or an empty string when not resolved
 */
public record Endpoint(String host, int port, String address) {

    public Endpoint {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(address, "address");
    }

    public static Endpoint of(String host, int port) {
        return new Endpoint(host, port, "");
    }

    /** {@code host:port}, with IPv6 literals in brackets. */
    public String authority() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return authority();
    }
}
