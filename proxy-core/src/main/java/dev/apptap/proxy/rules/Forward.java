package dev.apptap.proxy.rules;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Send the request to another upstream instead of the one the app asked for: the same method, path, query, headers
 * and body, over plain HTTP or TLS. Immutable.
 *
 * <pre>{@code
 * forwardTo("127.0.0.1", 8089)                                    // plain HTTP, e.g. a local WireMock
 * forwardToTls("127.0.0.1", 8443).trusting(wireMockCertificate)   // TLS, verified against extra trust
 * forwardToTls("staging.example.test", 443).withHostHeader("staging.example.test")
 * forwardToTls("127.0.0.1", 8443).insecure()                      // TLS without verification
 * forwardTo("127.0.0.1", 8089).withFault(Fault.closeBeforeBody())  // the route's answer, cut off after its head
 * }</pre>
 *
 * <p>TLS upstreams are verified as usual (JDK trust, the OS bundle, the engine's extra trust) plus
 * {@link #trustedCertificates()}, against {@link #host()}. The Host header (and {@code :authority} over h2) stays
 * what the app sent unless {@link #withHostHeader} replaces it.
 */
public final class Forward implements Action {

    private final String host;
    private final int port;
    private final boolean tls;
    private final List<X509Certificate> trustedCertificates;
    private final boolean insecure;
    private final String hostHeader;
    private final Fault fault;

    private Forward(String host, int port, boolean tls, List<X509Certificate> trustedCertificates, boolean insecure,
            String hostHeader, Fault fault) {
        this.host = host;
        this.port = port;
        this.tls = tls;
        this.trustedCertificates = List.copyOf(trustedCertificates);
        this.insecure = insecure;
        this.hostHeader = hostHeader;
        this.fault = fault;
    }

    static Forward to(String host, int port, boolean tls) {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("the host to forward to is blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not between 1 and 65535");
        }
        return new Forward(RequestFacts.normalizeHost(host), port, tls, List.of(), false, null, null);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** {@code host:port}, IPv6 bracketed. */
    public String authority() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Whether apptap speaks TLS to this upstream. */
    public boolean tls() {
        return tls;
    }

    /** Certificates (CAs or the server's own) trusted for this upstream on top of the usual trust. */
    public List<X509Certificate> trustedCertificates() {
        return trustedCertificates;
    }

    /** Whether the upstream's certificate goes unchecked. */
    public boolean isInsecure() {
        return insecure;
    }

    /** The Host header to send instead of the app's, if any. */
    public Optional<String> hostHeader() {
        return Optional.ofNullable(hostHeader);
    }

    /**
     * Also trusts these certificates for this upstream.
     *
     * @throws IllegalStateException on a plain-HTTP forward, where trust means nothing
     */
    public Forward trusting(X509Certificate... certificates) {
        return trusting(List.of(certificates));
    }

    public Forward trusting(Collection<X509Certificate> certificates) {
        requireTls("trusting certificates");
        List<X509Certificate> more = new ArrayList<>(trustedCertificates);
        more.addAll(certificates);
        return new Forward(host, port, tls, more, insecure, hostHeader, fault);
    }

    /**
     * Accepts any certificate from this upstream.
     *
     * @throws IllegalStateException on a plain-HTTP forward
     */
    public Forward insecure() {
        requireTls("insecure()");
        return new Forward(host, port, tls, trustedCertificates, true, hostHeader, fault);
    }

    /** Sends this Host header (and h2 {@code :authority}) instead of the app's. */
    public Forward withHostHeader(String hostHeader) {
        Objects.requireNonNull(hostHeader, "hostHeader");
        return new Forward(host, port, tls, trustedCertificates, insecure, hostHeader, fault);
    }

    /**
     * Applies a fault to what the other upstream answers: {@code forwardTo("127.0.0.1", 8089).withFault(
     * Fault.throttle(1024))}. One fault per route; a later call replaces it.
     */
    public Forward withFault(Fault fault) {
        Objects.requireNonNull(fault, "fault");
        return new Forward(host, port, tls, trustedCertificates, insecure, hostHeader, fault);
    }

    /** The fault apptap applies to the routed response, if any. */
    public Optional<Fault> fault() {
        return Optional.ofNullable(fault);
    }

    @Override
    public String describe() {
        StringBuilder text = new StringBuilder("forward to ").append(tls ? "https://" : "http://").append(authority());
        if (insecure) {
            text.append(" (insecure)");
        } else if (!trustedCertificates.isEmpty()) {
            text.append(" (trusting ").append(trustedCertificates.size()).append(" more certificate")
                    .append(trustedCertificates.size() == 1 ? "" : "s").append(')');
        }
        if (hostHeader != null) {
            text.append(" as Host ").append(hostHeader);
        }
        if (fault != null) {
            text.append(", then ").append(fault.describe());
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return describe();
    }

    private void requireTls(String what) {
        if (!tls) {
            throw new IllegalStateException(what + " applies to TLS forwards; use forwardToTls(\"" + host + "\", "
                    + port + ") instead of forwardTo");
        }
    }
}
