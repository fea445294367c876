package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowStore;
import dev.apptap.proxy.ca.TrustExports;
import dev.apptap.proxy.dns.LoopbackAddressPool;
import dev.apptap.proxy.origin.OriginalDestinationResolver;
import dev.apptap.proxy.origin.ProcessResolver;
import dev.apptap.proxy.rules.RuleSet;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Everything the engine's handlers read; fixed when the engine starts. */
record EngineSettings(
        FlowStore flows,
        RuleSet rules,
        int bodyLimit,
        Set<String> passthroughHosts,
        List<X509Certificate> extraUpstreamTrust,
        boolean upstreamInsecure,
        Duration connectTimeout,
        Duration serverFirstWait,
        int maxHeaderSize,
        int maxInitialLineLength,
        OriginalDestinationResolver originalDestinations,
        ProcessResolver processes,
        HostResolver hostResolver,
        Optional<LoopbackAddressPool> dnsAddresses,
        Duration responseTimeout,
        Duration requestHeadTimeout,
        Optional<TrustExports> trustFiles,
        Optional<SourcePorts> upstreamSourcePorts) {

    boolean isPassthrough(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        for (String pattern : passthroughHosts) {
            if (pattern.equalsIgnoreCase(host)
                    || (pattern.startsWith("*.") && host.regionMatches(true, host.length() - pattern.length() + 1,
                    pattern, 1, pattern.length() - 1))) {
                return true;
            }
        }
        return false;
    }
}
