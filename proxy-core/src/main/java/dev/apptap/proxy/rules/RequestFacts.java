package dev.apptap.proxy.rules;

import dev.apptap.flow.UrlEncoded;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;

import dev.apptap.flow.Body;
import dev.apptap.flow.HttpRequest;

/**
 * What a {@link RuleSet} needs to know about one request, handed over by the engine without any Netty types.
 *
 * <pre>{@code
 * // In the engine, once the request head has arrived:
 * RequestFacts head = RequestFacts.head("POST", "https", "api.example.test", 443, "/v1/login", "", headerList);
 * if (rules.needsBody(head)) {
 *     // buffer the body (up to a limit), then decide with it
 *     decision = rules.decide(head.withBody(buffered));
 * } else {
 *     decision = rules.decide(head);
 * }
 *
 * // In tests:
 * RequestFacts.of("GET", "https://api.example.test/v1/items?page=2").withHeader("Accept", "application/json");
 * }</pre>
 *
 * @param method   the request method as sent, e.g. {@code GET}
 * @param scheme   {@code http} or {@code https}: what the app spoke to apptap (https once the TLS was opened)
 * @param host     the host the app meant, without brackets for IPv6 and without the port
 * @param port     the port the app meant
 * @param path     the path as sent (still percent-encoded), starting with {@code /}; {@code *} for OPTIONS *
 * @param rawQuery the query as sent, without the {@code ?}; empty when there is none
 * @param headers  the request headers in the order sent; names as sent (matching ignores their case)
 * @param body     the body as sent (still content-encoded); empty when there is none or it was not buffered.
 *                 Not copied: treat it as read-only
 */
public record RequestFacts(String method, String scheme, String host, int port, String path, String rawQuery,
        List<Map.Entry<String, String>> headers, byte[] body) {

    private static final byte[] NO_BODY = new byte[0];

    public RequestFacts {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not between 0 and 65535");
        }
        path = path == null || path.isEmpty() ? "/" : path;
        rawQuery = rawQuery == null ? "" : rawQuery;
        scheme = scheme.toLowerCase(Locale.ROOT);
        host = normalizeHost(host);
        // Entries from a codec may be live views (Netty's are mutable); freeze name and value as they are now.
        List<Map.Entry<String, String>> frozen = new ArrayList<>(headers == null ? 0 : headers.size());
        if (headers != null) {
            for (Map.Entry<String, String> header : headers) {
                frozen.add(Map.entry(header.getKey(), header.getValue() == null ? "" : header.getValue()));
            }
        }
        headers = List.copyOf(frozen);
        body = body == null ? NO_BODY : body;
    }

    /** The request head only, with an empty body: what {@link RuleSet#needsBody} is asked with. */
    public static RequestFacts head(String method, String scheme, String host, int port, String path,
            String rawQuery, List<Map.Entry<String, String>> headers) {
        return new RequestFacts(method, scheme, host, port, path, rawQuery, headers, NO_BODY);
    }

    /**
     * A request to an absolute URL, without headers or body; for tests and for diagnostics.
     *
     * @throws IllegalArgumentException if {@code url} is not an absolute http or https URL
     */
    public static RequestFacts of(String method, String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + url + "\" is not a URL: " + e.getMessage(), e);
        }
        String scheme = uri.getScheme();
        if (scheme == null || uri.getHost() == null
                || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            throw new IllegalArgumentException("\"" + url + "\" is not an absolute http or https URL");
        }
        int port = uri.getPort() >= 0 ? uri.getPort() : defaultPort(scheme);
        String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        return head(method, scheme, uri.getHost(), port, uri.getRawPath(), query, List.of());
    }

    /**
     * The head of a recorded request, without its body: a matcher reads a recorded body through
     * {@link RequestMatcher#matches(HttpRequest)}, which uses the text the flow already decoded.
     */
    public static RequestFacts headOf(HttpRequest request) {
        String scheme = request.scheme().isEmpty() ? "http" : request.scheme();
        int port = -1;
        try {
            port = URI.create(request.url()).getPort();
        } catch (IllegalArgumentException e) {
            // The flow model keeps what the app sent; an odd URL still has a host, path and query to match on.
        }
        return head(request.method(), scheme, request.host(), port < 0 ? defaultPort(scheme) : port, request.path(),
                request.query(), request.headers().asList());
    }

    /** A copy with one more header at the end. */
    public RequestFacts withHeader(String name, String value) {
        List<Map.Entry<String, String>> more = new ArrayList<>(headers);
        more.add(Map.entry(name, value));
        return new RequestFacts(method, scheme, host, port, path, rawQuery, more, body);
    }

    /** A copy with this body (not copied). */
    public RequestFacts withBody(byte[] body) {
        return new RequestFacts(method, scheme, host, port, path, rawQuery, headers, body);
    }

    /** A copy with this body in UTF-8. */
    public RequestFacts withBody(String text) {
        return withBody(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A copy without the body: what the engine knows before it buffers anything. */
    public RequestFacts headOnly() {
        return body.length == 0 ? this : withBody(NO_BODY);
    }

    /**
     * The URL the app asked for: {@code https://api.example.test/v1/items?page=2}. The port is left out when it is
     * the scheme's default; an IPv6 host is bracketed.
     */
    public String url() {
        StringBuilder url = new StringBuilder(scheme).append("://");
        url.append(host.indexOf(':') >= 0 ? "[" + host + "]" : host);
        if (port != defaultPort(scheme)) {
            url.append(':').append(port);
        }
        url.append(path);
        if (!rawQuery.isEmpty()) {
            url.append('?').append(rawQuery);
        }
        return url.toString();
    }

    /** The first value of a header (name compared without case). */
    public Optional<String> header(String name) {
        for (Map.Entry<String, String> header : headers) {
            if (header.getKey().equalsIgnoreCase(name)) {
                return Optional.of(header.getValue());
            }
        }
        return Optional.empty();
    }

    /** Every value of a header, in order (name compared without case); empty when absent. */
    public List<String> headerValues(String name) {
        List<String> values = new ArrayList<>(1);
        for (Map.Entry<String, String> header : headers) {
            if (header.getKey().equalsIgnoreCase(name)) {
                values.add(header.getValue());
            }
        }
        return values;
    }

    /**
     * The body as text: content-decoded (gzip, deflate, br, zstd) and read in the charset of the Content-Type,
     * UTF-8 when it names none.
     */
    public String bodyText() {
        if (body.length == 0) {
            return "";
        }
        return new Body(body, body.length, false, header("Content-Type").orElse(""),
                header("Content-Encoding").orElse("")).text();
    }

    /**
     * The path's segments, percent-decoded: {@code /users/42/posts} gives {@code [users, 42, posts]}. An answer
     * computed from the request reads an id from here.
     */
    public List<String> pathSegments() {
        List<String> segments = new ArrayList<>();
        for (String segment : path.split("/")) {
            if (!segment.isEmpty()) {
                segments.add(UrlEncoded.decode(segment, false));
            }
        }
        return segments;
    }

    /** The first value of this query parameter, percent-decoded; empty when the query does not hold it. */
    public Optional<String> queryParam(String name) {
        return UrlEncoded.values(rawQuery, name).stream().findFirst();
    }

    /**
     * The value at this JSON Pointer ({@code /user/name}, {@code /items/0/id}) of the JSON body: a string as
     * itself, anything else as JSON text ({@code 7}, {@code true}, {@code {"a":1}}); empty when the body is not
     * JSON or holds nothing there.
     *
     * @throws IllegalArgumentException if {@code pointer} is not a JSON Pointer
     */
    public Optional<String> jsonAt(String pointer) {
        JsonPointer compiled;
        try {
            compiled = JsonPointer.compile(pointer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + pointer + "\" is not a JSON Pointer (" + e.getMessage()
                    + "); write it like /user/name or /items/0", e);
        }
        JsonNode json = Json.tryParse(bodyText());
        if (json == null) {
            return Optional.empty();
        }
        JsonNode value = json.at(compiled);
        if (value.isMissingNode()) {
            return Optional.empty();
        }
        return Optional.of(value.isValueNode() ? value.asText() : value.toString());
    }

    static int defaultPort(String scheme) {
        return "https".equalsIgnoreCase(scheme) ? 443 : 80;
    }

    static String normalizeHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        // "api.example.test." and "api.example.test" name the same host; the trailing dot is DNS notation.
        if (h.endsWith(".") && h.length() > 1) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestFacts other && port == other.port && method.equals(other.method)
                && scheme.equals(other.scheme) && host.equals(other.host) && path.equals(other.path)
                && rawQuery.equals(other.rawQuery) && headers.equals(other.headers) && Arrays.equals(body, other.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, scheme, host, port, path, rawQuery, headers, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return method + " " + url() + " (" + headers.size() + " headers, " + body.length + " body bytes)";
    }
}
