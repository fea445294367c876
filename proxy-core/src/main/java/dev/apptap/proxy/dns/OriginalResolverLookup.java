package dev.apptap.proxy.dns;

import dev.apptap.flow.DnsFlow;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Tells which resolver an app addressed before a redirector sent its query to apptap. A redirected datagram
 * arrives from the app's own socket, addressed to the responder, so the packet itself no longer says; only the
 * redirector knows (the eBPF one restores the reply's source from the same knowledge). Without a lookup,
 * {@link DnsFlow#server()} records the responder's own address.
 *
 * <pre>{@code
 * DnsResponder.builder(flows).originalResolvers((app, transport) -> redirector.dnsDestinationOf(app))
 * }</pre>
 */
@FunctionalInterface
public interface OriginalResolverLookup {

    /** Knows nothing: every flow records the responder's address. */
    OriginalResolverLookup NONE = (app, transport) -> Optional.empty();

    /**
     * Called once per query on a worker thread (never an event loop), before the answer is sent, so the app's
     * socket still exists; may block briefly.
     *
     * @param app       the app's socket address (the query's source)
     * @param transport how the query arrived
     * @return the resolver the app sent the query to, or empty when unknown
     */
    Optional<InetSocketAddress> originalResolver(InetSocketAddress app, DnsFlow.Transport transport);
}
