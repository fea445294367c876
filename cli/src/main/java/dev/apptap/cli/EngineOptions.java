package dev.apptap.cli;

import dev.apptap.proxy.rules.RuleSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** What the engine does with the traffic and how the flows are shown: shared by {@code run} and {@code watch}. */
final class EngineOptions {

    @Option(names = "--offline", description = "Nothing leaves the machine: unmatched requests get a 502 that says so.")
    boolean offline;

    @Option(names = "--stub", paramLabel = "'METHOD URL STATUS [BODY|@file]'", converter = StubSpec.Converter.class,
            description = "Answer matching requests (repeatable), such as 'GET https://api.example.test/v1 200 [1,2]'.")
    List<StubSpec> stubs = new ArrayList<>();

    @Option(names = "--route", paramLabel = "HOST[:PORT]=HOST:PORT", converter = RouteSpec.Converter.class,
            description = "Send every request for HOST to another server (repeatable); https://HOST:PORT for TLS.")
    List<RouteSpec> routes = new ArrayList<>();

    @Option(names = "--upstream-trust", paramLabel = "FILE",
            description = "Also trust these PEM certificates for upstream servers.")
    Path upstreamTrust;

    @Option(names = "--upstream-insecure", description = "Do not verify upstream certificates (test servers only).")
    boolean upstreamInsecure;

    @Option(names = "--har", paramLabel = "FILE", description = "Write every flow to FILE as HAR 1.2 at the end.")
    Path har;

    @Option(names = "--body-limit", paramLabel = "BYTES", converter = ByteSize.class, defaultValue = "1m",
            description = "Bytes of each body to keep (${DEFAULT-VALUE}); 512k, 1m. Bodies still stream whole.")
    int bodyLimit;

    @Option(names = {"-q", "--quiet"}, description = "No line per flow; only the mode and the summary.")
    boolean quiet;

    @Option(names = "--json", description = "One JSON object per flow on stdout, for scripts.")
    boolean json;

    @Option(names = "--dns", description = "Also show DNS queries (OSPROXY), which are otherwise only counted.")
    boolean dns;

    @Option(names = "--ca-dir", paramLabel = "DIR", description = "The CA to use (created if missing); default ~/.apptap.")
    Path caDir;

    RuleSet rules() {
        RuleSet rules = new RuleSet();
        // routes first: a stub for one URL of a routed host then still wins, because the newest rule wins
        routes.forEach(route -> route.addTo(rules));
        stubs.forEach(stub -> stub.addTo(rules));
        rules.offline(offline);
        return rules;
    }

    /** Hosts a stub or route names: DNS answers them locally, so apps reach apptap even when no DNS server knows them. */
    Set<String> ruleHosts() {
        Set<String> hosts = new LinkedHashSet<>();
        stubs.forEach(stub -> hosts.add(stub.host()));
        routes.forEach(route -> hosts.add(route.host().toLowerCase(java.util.Locale.ROOT)));
        hosts.remove("");
        return hosts;
    }
}
