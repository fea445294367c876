package dev.apptap.proxy.engine;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where an HTTP/1 request goes, and the URL its flow records.
 *
 * @param target where the request goes unless a rule says otherwise
 * @param url    the absolute URL the app asked for
 */
record Http1Destination(UpstreamTarget target, String url) {

    /**
     * A request in absolute form (the app uses apptap as its HTTP proxy): the URL names the destination, and the
     * request is rewritten to origin form for the server. Also names the connection's destination.
     *
     * @return the destination, or {@code null} when the request target is not an absolute URL
     */
    static Http1Destination ofAbsoluteForm(HttpRequest request, ConnectionContext connection) {
        URI uri = absoluteUri(request.uri());
        if (uri == null) {
            return null;
        }
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
        String host = stripBrackets(uri.getHost());
        connection.host = host;
        connection.port = port;
        UpstreamTarget target = new UpstreamTarget(host, port, null, https, UpstreamTarget.only(https ? "http/1.1" : ""));
        String originForm = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        request.setUri(uri.getRawQuery() == null ? originForm : originForm + "?" + uri.getRawQuery());
        request.headers().remove("Proxy-Connection").remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        if (!request.headers().contains(HttpHeaderNames.HOST)) {
            request.headers().set(HttpHeaderNames.HOST, Addresses.authority(host, port, https ? 443 : 80));
        }
        String url = (https ? "https://" : "http://") + Addresses.authority(host, port, https ? 443 : 80) + request.uri();
        return new Http1Destination(target, url);
    }

    /**
     * A request to the connection's own destination (transparent, or inside a CONNECT tunnel). When neither SNI nor
     * the redirector named the host, the Host header does: the connection's host takes that name.
     */
    static Http1Destination ofOriginForm(HttpRequest request, ConnectionContext connection) {
        return ofOriginForm(request.headers().get(HttpHeaderNames.HOST), request.uri(), connection);
    }

    /** As {@link #ofOriginForm(HttpRequest, ConnectionContext)}, from the Host field (or null) and the request target. */
    static Http1Destination ofOriginForm(String hostHeader, String requestTarget, ConnectionContext connection) {
        boolean https = connection.isTls();
        UpstreamTarget target = new UpstreamTarget(connection.host, connection.port, connection.originalAddress, https,
                UpstreamTarget.only(https ? connection.tls.alpn() : ""));
        int defaultPort = https ? 443 : 80;
        String authority;
        if (hostHeader != null && !hostHeader.isBlank()) {
            authority = HostHeaders.withPort(hostHeader.trim(), connection.port, defaultPort);
            String name = HostHeaders.host(authority);
            if (!Addresses.isIpLiteral(name) && (connection.hello == null || connection.hello.sni().isEmpty())) {
                connection.host = name;
            }
        } else {
            authority = Addresses.authority(connection.host, connection.port, defaultPort);
        }
        String path = requestTarget;
        if (!path.startsWith("/")) {
            URI absolute = absoluteUri(path);
            path = absolute == null ? "/" + path : absolute.getRawPath() + (absolute.getRawQuery() == null ? "" : "?" + absolute.getRawQuery());
        }
        return new Http1Destination(target, (https ? "https://" : "http://") + authority + path);
    }

    private static URI absoluteUri(String target) {
        try {
            URI uri = new URI(target);
            return uri.isAbsolute() && uri.getHost() != null ? uri : null;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
