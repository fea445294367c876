package dev.apptap.proxy.testing;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A request head as an {@link OriginServer} saw it, in arrival order. Netty types stay out so tests in any
 * module can keep these.
 *
 * @param connection the 1-based number of the connection it arrived on, in accept order
 * @param method     e.g. {@code GET}
 * @param uri        the request target exactly as sent (origin-form unless a client sent absolute-form)
 * @param protocol   e.g. {@code HTTP/1.1}
 * @param headers    every header line in order, names as sent
 * @param host       the Host header, or null when there was none
 * @param serverName the TLS SNI the client sent, or null on plain connections and handshakes without SNI
 */
public record RecordedRequest(int connection, String method, String uri, String protocol,
                              List<Map.Entry<String, String>> headers, String host, String serverName) {

    public RecordedRequest {
        headers = List.copyOf(headers);
    }

    /** The path without the query. */
    public String path() {
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    /** The first value of {@code name} (compared case-insensitively). */
    public Optional<String> header(String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst();
    }

    /** Every value of {@code name} (compared case-insensitively), in order. */
    public List<String> headers(String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }

    @Override
    public String toString() {
        return method + " " + uri + " " + protocol + " (connection " + connection + ", Host " + host + ")";
    }
}
