package dev.apptap.cli;

import dev.apptap.proxy.redirect.RedirectorProvider;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.session.InterceptionSession;
import dev.apptap.proxy.session.SessionOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What the engine does with the traffic and how the flows are shown: shared by {@code run} and {@code watch}. */
final class EngineOptions {

    /** The command these options belong to; its default value provider is the shared .apptap.properties, if any. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

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

    @Option(names = "--report", paramLabel = "FILE",
            description = "Write every flow to FILE as one HTML page at the end: a table, a waterfall, each flow on click.")
    Path report;

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

    /**
     * Starts the session these options describe; with {@code osProxy}, its redirector too, so that a run that cannot
     * intercept fails before any app starts.
     */
    InterceptionSession start(Optional<RedirectorProvider> osProxy) {
        SessionOptions.Builder session = SessionOptions.builder()
                .certificateAuthority(CaDirOption.load(caDir))
                .rules(rules())
                .bodyLimit(bodyLimit)
                .upstreamInsecure(upstreamInsecure)
                .systemLookups(!offline, "apptap is offline (--offline), so add a --stub or --route for it");
        if (upstreamTrust != null) {
            session.upstreamTrust(upstreamTrust);
        }
        osProxy.ifPresent(session::redirector);
        InterceptionSession started = InterceptionSession.start(session.build());
        if (osProxy.isPresent()) {
            try {
                started.redirector();
            } catch (RuntimeException e) {
                started.close();
                throw new CliFailure("apptap could not start the " + osProxy.get().name() + " redirector: "
                        + Sentences.clause(e.getMessage()) + "; run with --mode launch to go without it",
                        Apptap.FAILED);
            }
        }
        return started;
    }

    RuleSet rules() {
        RuleSet rules = new RuleSet();
        Optional<ProjectConfig> shared = mixee != null && mixee.defaultValueProvider() instanceof ProjectConfig config
                ? Optional.of(config) : Optional.empty();
        // routes first: a stub for one URL of a routed host then still wins, because the newest rule wins; and the
        // command line's after the shared file's, so that they win where both match
        shared.ifPresent(config -> config.routes().forEach(route -> route.addTo(rules)));
        routes.forEach(route -> route.addTo(rules));
        shared.ifPresent(config -> config.stubs().forEach(stub -> stub.addTo(rules)));
        stubs.forEach(stub -> stub.addTo(rules));
        rules.offline(offline);
        return rules;
    }
}
