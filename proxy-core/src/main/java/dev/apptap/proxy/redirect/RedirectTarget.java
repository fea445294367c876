package dev.apptap.proxy.redirect;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Where a redirector sends what it intercepts.
 *
 * @param tcpIpv4        the engine's transparent listener on 127.0.0.1, for IPv4 connections
 * @param tcpIpv6        the engine's transparent listener on ::1, for IPv6 connections (v4-mapped ones go to
 *                       {@code tcpIpv4})
 * @param dns            apptap's DNS responder on loopback (UDP and TCP), if DNS is to be intercepted
 * @param excludedPids   processes never intercepted, whatever the spec says: at least apptap's own JVM
 */
public record RedirectTarget(InetSocketAddress tcpIpv4, InetSocketAddress tcpIpv6, Optional<InetSocketAddress> dns,
                             Set<Long> excludedPids) {

    public RedirectTarget {
        Objects.requireNonNull(tcpIpv4, "tcpIpv4");
        Objects.requireNonNull(tcpIpv6, "tcpIpv6");
        Objects.requireNonNull(dns, "dns");
        excludedPids = Set.copyOf(excludedPids);
    }
}
