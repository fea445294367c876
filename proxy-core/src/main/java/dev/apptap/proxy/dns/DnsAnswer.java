package dev.apptap.proxy.dns;

import dev.apptap.flow.DnsFlow;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * How apptap answers a name itself, as a {@link DnsPolicy} decided.
 *
 * <p>Without explicit addresses, an {@code A} query gets the name's address from the responder's
 * {@link LoopbackAddressPool} (127.0.0.2, 127.0.0.3, … one per name), and every other type, {@code AAAA} included,
 * gets an empty NOERROR answer. An empty AAAA answer, not {@code ::1}, because clients then fall back to the A
 * record, whose per-name address lets the engine tell hosts apart; {@code ::1} would be one address for all names.
 *
 * @param resolution {@link DnsFlow.Resolution#STUBBED} or {@link DnsFlow.Resolution#OFFLINE}, for the record
 * @param addresses  explicit addresses (A queries get the IPv4 ones, AAAA queries the IPv6 ones), or empty to use
 *                   the pool
 */
public record DnsAnswer(DnsFlow.Resolution resolution, List<InetAddress> addresses) {

    public DnsAnswer {
        Objects.requireNonNull(resolution, "resolution");
        if (resolution != DnsFlow.Resolution.STUBBED && resolution != DnsFlow.Resolution.OFFLINE) {
            throw new IllegalArgumentException("apptap answers a name itself only for a stub (STUBBED) or in"
                    + " offline mode (OFFLINE), not as " + resolution + ".");
        }
        addresses = List.copyOf(addresses);
    }

    /** A stubbed or routed name: a loopback address from the pool. */
    public static DnsAnswer stubbed() {
        return new DnsAnswer(DnsFlow.Resolution.STUBBED, List.of());
    }

    /** A stubbed name with fixed addresses (keep them loopback, so a missed redirect never reaches the network). */
    public static DnsAnswer stubbed(InetAddress... addresses) {
        return new DnsAnswer(DnsFlow.Resolution.STUBBED, List.of(addresses));
    }

    /** Offline mode: a loopback address from the pool. */
    public static DnsAnswer offline() {
        return new DnsAnswer(DnsFlow.Resolution.OFFLINE, List.of());
    }
}
