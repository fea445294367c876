package dev.apptap.proxy.engine;

import dev.apptap.proxy.redirect.SourcePortRange;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out the range's ports in turn for upstream connections to bind before they connect; a port still in use (or in
 * TIME_WAIT elsewhere) fails the bind, and the connector tries the next.
 */
final class SourcePorts {

    /** How many ports one connection tries before it fails with the last bind error. */
    static final int ATTEMPTS = 32;

    private final SourcePortRange range;
    private final AtomicInteger next = new AtomicInteger();

    SourcePorts(SourcePortRange range) {
        this.range = range;
    }

    /** The wildcard address with the next port, which serves IPv4 and IPv6 destinations alike. */
    InetSocketAddress next() {
        return new InetSocketAddress(range.first() + Math.floorMod(next.getAndIncrement(), range.size()));
    }

    int attempts() {
        return Math.min(ATTEMPTS, range.size());
    }
}
