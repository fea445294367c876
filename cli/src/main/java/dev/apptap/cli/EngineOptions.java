package dev.apptap.cli;

import dev.apptap.flow.FlowWindow;
import dev.apptap.proxy.har.HarStream;
import dev.apptap.proxy.redirect.RedirectorProvider;
import dev.apptap.proxy.rules.Replay;
import dev.apptap.proxy.rules.RequestMatcher;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.session.InterceptionSession;
import dev.apptap.proxy.session.SessionOptions;
import java.io.IOException;
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

    @Option(names = "--stub", paramLabel = "'METHOD URL STATUS[,STATUS…] [BODY|@file]'",
            converter = StubSpec.Converter.class,
            description = {"Answer matching requests (repeatable), such as 'GET https://api.example.test/v1 200 [1,2]'.",
                    "Several statuses answer in turn, then the last again; the body goes with the last:"
                            + " 'GET URL 503,200 ok' tests retries.",
                    "The body may echo the request: {{path.2}} (2nd path segment), {{query.NAME}}, {{header.NAME}},"
                            + " {{json.FIELD.FIELD}}, {{body}}, {{method}}, {{url}}."})
    List<StubSpec> stubs = new ArrayList<>();

    @Option(names = "--fault", paramLabel = "'METHOD URL FAULT'", converter = FaultSpec.Converter.class,
            description = {"Break matching requests on the wire (repeatable), such as"
                    + " 'GET https://api.example.test/v1 close-after=512'; a --stub or --route for the URL still"
                    + " answers, with the fault on the way back.",
                    "FAULT: " + FaultSpec.FAULTS + "."})
    List<FaultSpec> faults = new ArrayList<>();

    @Option(names = "--route", paramLabel = "HOST[:PORT]=HOST:PORT", converter = RouteSpec.Converter.class,
            description = "Send every request for HOST to another server (repeatable); https://HOST:PORT for TLS.")
    List<RouteSpec> routes = new ArrayList<>();

    @Option(names = "--upstream-trust", paramLabel = "FILE",
            description = "Also trust these PEM certificates for upstream servers.")
    Path upstreamTrust;

    @Option(names = "--upstream-insecure", description = "Do not verify upstream certificates (test servers only).")
    boolean upstreamInsecure;

    @Option(names = "--har", paramLabel = "FILE",
            description = "Write every flow to FILE as HAR 1.2, each as it completes (complete at the end).")
    Path har;

    @Option(names = "--report", paramLabel = "FILE",
            description = "Write every flow to FILE as one HTML page at the end: a table, a waterfall, each flow on click.")
    Path report;

    @Option(names = "--replay", paramLabel = "FILE",
            description = "Answer from a recorded HAR (apptap's --har, a browser's, mitmproxy's): same method, URL and"
                    + " body get the recorded response, repeats in recorded order then the last again; others a 502.")
    Path replay;

    @Option(names = "--replay-pass-through",
            description = "With --replay, let requests the HAR did not record through instead of answering 502.")
    boolean replayPassThrough;

    @Option(names = "--replay-ignore-param", paramLabel = "NAME", split = ",",
            description = "With --replay, leave these query parameters out of the match (timestamps, nonces).")
    List<String> replayIgnoredParams = new ArrayList<>();

    @Option(names = "--replay-ignore-body", description = "With --replay, match on method and URL alone.")
    boolean replayIgnoreBody;

    @Option(names = "--body-limit", paramLabel = "BYTES", converter = ByteSize.class, defaultValue = "1m",
            description = "Bytes of each body to keep (${DEFAULT-VALUE}); 512k, 1m. Bodies still stream whole.")
    int bodyLimit;

    @Option(names = "--window-flows", paramLabel = "N", defaultValue = "10000",
            description = "Flows kept in memory (${DEFAULT-VALUE}); older complete ones are dropped once --har and"
                    + " --json wrote them, so a long watch stays flat.")
    int windowFlows;

    @Option(names = "--window-bytes", paramLabel = "SIZE", converter = ByteSize.class, defaultValue = "64m",
            description = "Bytes of recorded bodies kept in memory (${DEFAULT-VALUE}); whichever window limit is"
                    + " reached first drops the oldest flows.")
    int windowBytes;

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
                .systemLookups(!offline, "apptap is offline (--offline), so add a --stub or --route for it")
                .flowWindow(flowWindow());
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

    /** The flow window --window-flows and --window-bytes ask for. */
    FlowWindow flowWindow() {
        try {
            return new FlowWindow(windowFlows, windowBytes);
        } catch (IllegalArgumentException e) {
            throw new CliFailure(Sentences.clause(e.getMessage()) + "; give --window-flows and --window-bytes values"
                    + " of at least 1", Apptap.USAGE);
        }
    }

    /**
     * The HAR file --har asks for, opened now and filled as flows complete, so that flows the window drops are
     * already written; empty without --har.
     */
    Optional<HarStream> openHar() {
        if (har == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(HarStream.open(har));
        } catch (IOException e) {
            throw new CliFailure(e.getMessage() + " Free space there or make it writable, or give --har another file.",
                    Apptap.FAILED);
        }
    }

    RuleSet rules() {
        RuleSet rules = new RuleSet();
        Optional<ProjectConfig> shared = mixee != null && mixee.defaultValueProvider() instanceof ProjectConfig config
                ? Optional.of(config) : Optional.empty();
        // the broadest rule first, so that routes and stubs win over the recording
        replay().ifPresent(recording -> rules.on(RequestMatcher.anyRequest()).respond(recording.answer()));
        // routes first: a stub for one URL of a routed host then still wins, because the newest rule wins; and the
        // command line's after the shared file's, so that they win where both match
        shared.ifPresent(config -> config.routes().forEach(route -> route.addTo(rules)));
        routes.forEach(route -> route.addTo(rules));
        shared.ifPresent(config -> config.stubs().forEach(stub -> stub.addTo(rules)));
        stubs.forEach(stub -> stub.addTo(rules));
        // faults last: each wraps the stub or route that would otherwise answer its requests
        shared.ifPresent(config -> config.faults().forEach(fault -> fault.addTo(rules)));
        faults.forEach(fault -> fault.addTo(rules));
        rules.offline(offline);
        return rules;
    }

    private Optional<Replay> replay() {
        if (replay == null) {
            if (replayPassThrough || replayIgnoreBody || !replayIgnoredParams.isEmpty()) {
                throw new CliFailure("--replay-pass-through, --replay-ignore-param and --replay-ignore-body refine"
                        + " --replay; give the HAR file with --replay FILE", Apptap.USAGE);
            }
            return Optional.empty();
        }
        Replay recording;
        try {
            recording = Replay.of(replay);
        } catch (IllegalArgumentException e) {
            throw new CliFailure(Sentences.clause(e.getMessage()), Apptap.USAGE);
        }
        if (replayIgnoreBody) {
            recording = recording.ignoringBody();
        }
        if (!replayIgnoredParams.isEmpty()) {
            recording = recording.ignoringQueryParams(replayIgnoredParams.toArray(String[]::new));
        }
        return Optional.of(replayPassThrough ? recording.passingThroughUnrecorded() : recording);
    }
}
