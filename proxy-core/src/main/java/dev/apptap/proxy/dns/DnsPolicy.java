package dev.apptap.proxy.dns;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * Decides, per query, whether apptap answers a name itself or forwards it to the system's resolver. The engine
 * plugs its stubs, routes and offline mode in here; {@link DnsResponder} asks once per query.
 *
 * <pre>{@code
 * DnsPolicy policy = DnsPolicy.stubbing(name -> name.endsWith(".test"));     // stubs and routes
 * DnsPolicy everything = DnsPolicy.offline();                                // offline mode
 * DnsPolicy custom = (name, type) -> name.equals("pinned.test")
 *         ? Optional.of(DnsAnswer.stubbed(InetAddress.getByName("127.0.0.9"))) : Optional.empty();
 * }</pre>
 *
 * <p>The type is a mnemonic string ({@code A}, {@code AAAA}, {@code HTTPS}, {@code TYPE65534}) rather than a Netty
 * type, so rule sets outside the engine stay free of Netty. Implementations must be thread-safe and fast: they
 * run on the responder's worker threads for every query.
 */
@FunctionalInterface
public interface DnsPolicy {

    /**
     * @param name the queried name without the trailing dot, as the app spelled it (DNS names are
     *             case-insensitive: compare ignoring case)
     * @param type the record type's mnemonic
     * @return how apptap answers, or empty to forward the query to the system's resolver
     */
    Optional<DnsAnswer> answer(String name, String type);

    /** Forwards every query: apptap only records DNS. */
    static DnsPolicy forwardAll() {
        return (name, type) -> Optional.empty();
    }

    /** Offline mode: every name gets a loopback address, so no app reaches the network by name. */
    static DnsPolicy offline() {
        return (name, type) -> Optional.of(DnsAnswer.offline());
    }

    /** Names that {@code stubbed} accepts get a loopback address; the rest are forwarded. */
    static DnsPolicy stubbing(Predicate<String> stubbed) {
        return (name, type) -> stubbed.test(name) ? Optional.of(DnsAnswer.stubbed()) : Optional.empty();
    }
}
