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
 * @param explicitProxy  the engine's explicit proxy listener on loopback, if it has one: connections to it are never
 *                       redirected, so an app that uses it as its proxy (LAUNCH mode) keeps talking to it while a
 *                       spec that matches the app is in force
 * @param namespaces     opens the listeners above inside another network namespace (a container's), if this JVM may;
 *                       without it, intercepted apps in other namespaces have their connections refused
 */
public record RedirectTarget(InetSocketAddress tcpIpv4, InetSocketAddress tcpIpv6, Optional<InetSocketAddress> dns,
                             Set<Long> excludedPids, Optional<InetSocketAddress> explicitProxy,
                             Optional<NamespaceListeners> namespaces) {

    public RedirectTarget {
        Objects.requireNonNull(tcpIpv4, "tcpIpv4");
        Objects.requireNonNull(tcpIpv6, "tcpIpv6");
        Objects.requireNonNull(dns, "dns");
        Objects.requireNonNull(explicitProxy, "explicitProxy");
        Objects.requireNonNull(namespaces, "namespaces");
        excludedPids = Set.copyOf(excludedPids);
    }

    /** A target whose listeners exist only in the engine's own network namespace. */
    public RedirectTarget(InetSocketAddress tcpIpv4, InetSocketAddress tcpIpv6, Optional<InetSocketAddress> dns,
                          Set<Long> excludedPids, Optional<InetSocketAddress> explicitProxy) {
        this(tcpIpv4, tcpIpv6, dns, excludedPids, explicitProxy, Optional.empty());
    }

    /** A target without an explicit proxy listener. */
    public RedirectTarget(InetSocketAddress tcpIpv4, InetSocketAddress tcpIpv6, Optional<InetSocketAddress> dns,
                          Set<Long> excludedPids) {
        this(tcpIpv4, tcpIpv6, dns, excludedPids, Optional.empty());
    }
}
