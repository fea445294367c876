package dev.apptap.proxy.dns;

import dev.apptap.proxy.rules.RuleSet;
import java.util.Objects;
import java.util.Optional;

/**
 * The engine's stubs, routes and offline mode as a {@link DnsPolicy}: a name that some rule could match gets a
 * loopback address (recorded as {@code STUBBED}); in offline mode every other name gets one too ({@code OFFLINE});
 * otherwise the query is forwarded.
 *
 * <pre>{@code
 * ProxyEngine engine = ...;
 * DnsResponder dns = DnsResponder.builder(engine.flows())
 *         .policy(new RuleSetDnsPolicy(engine.rules()))
 *         .start();
 * }</pre>
 *
 * <p>The rule set is read on every query, not copied: rules added and offline mode switched while the responder runs
 * apply from the next query on. A stubbed name must resolve even when no resolver knows it ({@code *.test}), which is
 * why a matching host wins over forwarding; and an offline app must never get a routable address, which is why offline
 * answers every name.
 */
public final class RuleSetDnsPolicy implements DnsPolicy {

    private final RuleSet rules;

    public RuleSetDnsPolicy(RuleSet rules) {
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    @Override
    public Optional<DnsAnswer> answer(String name, String type) {
        if (rules.matchesHost(LoopbackAddressPool.normalize(name))) {
            return Optional.of(DnsAnswer.stubbed());
        }
        if (rules.isOffline()) {
            return Optional.of(DnsAnswer.offline());
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "RuleSetDnsPolicy[" + rules.rules().size() + " rules" + (rules.isOffline() ? ", offline" : "") + "]";
    }
}
