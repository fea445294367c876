package dev.apptap.flow;

import java.net.URI;
import java.util.Objects;

/**
 * An HTTP request as the app sent it.
 *
 * @param method  {@code GET}, {@code POST}, …
 * @param url     the absolute URL ({@code https://api.example.test/v1/items?id=7}), built from the
 *                scheme, the Host header (or SNI, or the original destination) and the request target
 * @param version {@code HTTP/1.1}, {@code HTTP/1.0} or {@code HTTP/2}
 * @param headers the header fields in the order sent
 * @param body    the body, as far as it was recorded
 */
public record HttpRequest(String method, String url, String version, Headers headers, Body body) {

    public HttpRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
    }

    /** This request with another body (it grew, or the recording ended). */
    public HttpRequest withBody(Body newBody) {
        return new HttpRequest(method, url, version, headers, newBody);
    }

    /** The URL's path, without the query: {@code /v1/items}. */
    public String path() {
        String raw = uri().getRawPath();
        return raw == null || raw.isEmpty() ? "/" : raw;
    }

    /** The URL's raw query, without {@code ?}, or an empty string. */
    public String query() {
        String raw = uri().getRawQuery();
        return raw == null ? "" : raw;
    }

    /** The host from the URL. */
    public String host() {
        String host = uri().getHost();
        return host == null ? "" : host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    /** {@code http} or {@code https}. */
    public String scheme() {
        String scheme = uri().getScheme();
        return scheme == null ? "" : scheme;
    }

    private URI uri() {
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            return URI.create("http://invalid/");
        }
    }
}
