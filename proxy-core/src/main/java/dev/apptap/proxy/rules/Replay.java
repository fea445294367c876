package dev.apptap.proxy.rules;

import dev.apptap.flow.UrlEncoded;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.apptap.proxy.har.HarReader;

/**
 * Answers requests from a recorded HAR file, offline: record a run once ({@code apptap run --har api.har -- app}, or a
 * test's HAR), then replay it ({@code apptap run --replay api.har -- app}, {@code @InterceptApps(replay = …)}).
 * Immutable; {@link #answer()} makes the {@link Answer} a rule set uses.
 *
 * <pre>{@code
 * Replay api = Replay.of(Path.of("src/test/resources/api.har"))
 *         .ignoringQueryParams("ts", "nonce")      // volatile parameters the app sends differently each run
 *         .matchingHeaders("Accept");             // headers are ignored unless named
 * stubs.on(anyRequest()).respond(api.answer());
 * }</pre>
 *
 * <p><b>Matching.</b> A request matches a recorded one with the same method and URL (scheme, host, path; the
 * recorded query parameters must be present with their values, others may be added) and, unless
 * {@link #ignoringBody()}, the same body (JSON compared as JSON). When several recorded requests match, the one with
 * more to compare (a longer query, a body) wins.
 *
 * <p><b>Repeated requests.</b> Requests the HAR recorded more than once are answered with the recorded responses in
 * their recorded order, and once those are used up, with the last one again (a poll that ended on "done" stays
 * done).
 *
 * <p><b>Unrecorded requests</b> get a {@code 502} whose body (and the flow's {@code NO_STUB_MATCHED} error) names the
 * closest recorded requests and what differs, so nothing leaves the machine; {@link #passingThroughUnrecorded()}
 * lets them through to the older rules, or the network, instead.
 *
 * <p>Responses are sent as recorded, less the headers that described how the recorded bytes travelled
 * (Content-Length, Content-Encoding, Transfer-Encoding, hop-by-hop headers, HTTP/2 pseudo-headers, Alt-Svc): HAR
 * keeps bodies decoded, and the engine frames them itself, over HTTP/1.1 or h2. Trailers apptap recorded (gRPC's
 * {@code grpc-status}) are sent after the body (over h2, and chunked over HTTP/1.1), so a grpc-java call replays too.
 *
 * <p><b>WebSockets.</b> A recorded WebSocket ({@code _webSocketMessages}, as Chrome and apptap write them) is answered
 * with 101 by apptap itself, which then plays the server's side (a {@link WebSocketScript}): each recorded server
 * message is sent once the app's messages before it in the recording arrived (matched by order, not content), text
 * and binary alike, and the WebSocket is closed the way the recording was.
 */
public final class Replay {

    private static final int CLOSEST = 3;
    private static final Set<String> NOT_REPLAYED = Set.of("content-length", "content-encoding", "transfer-encoding",
            "connection", "keep-alive", "proxy-connection", "upgrade", "te", "trailer", "alt-svc",
            "sec-websocket-accept", "sec-websocket-extensions");

    private final Path file;
    private final List<HarReader.Exchange> exchanges;
    private final boolean matchBody;
    private final Set<String> ignoredQueryParams;
    private final List<String> matchedHeaders;
    private final boolean passThroughUnrecorded;

    private Replay(Path file, List<HarReader.Exchange> exchanges, boolean matchBody, Set<String> ignoredQueryParams,
                   List<String> matchedHeaders, boolean passThroughUnrecorded) {
        this.file = file;
        this.exchanges = exchanges;
        this.matchBody = matchBody;
        this.ignoredQueryParams = Set.copyOf(ignoredQueryParams);
        this.matchedHeaders = List.copyOf(matchedHeaders);
        this.passThroughUnrecorded = passThroughUnrecorded;
    }

    /**
     * The exchanges recorded in this HAR file, read now.
     *
     * @throws IllegalArgumentException whose message names the file and what is wrong with it (missing, not JSON,
     *                                  not a HAR, no exchange to replay)
     */
    public static Replay of(Path har) {
        Objects.requireNonNull(har, "har");
        List<HarReader.Exchange> exchanges;
        try {
            exchanges = HarReader.read(har);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage() + " apptap cannot replay it; record one with"
                    + " `apptap run --har FILE -- app` or a test's HAR file.", e);
        }
        // 1xx cannot be answered as a stub, except a WebSocket's 101 that recorded its messages; a status beyond 999
        // is no HTTP status.
        exchanges = exchanges.stream().filter(e -> e.status() >= 200 && e.status() <= 999
                || e.status() == 101 && !e.webSocketMessages().isEmpty()).toList();
        if (exchanges.isEmpty()) {
            throw new IllegalArgumentException("The HAR file " + har.toAbsolutePath() + " records no HTTP response,"
                    + " so apptap has nothing to replay from it; record a run in which the app got its answers.");
        }
        return new Replay(har, exchanges, true, Set.of(), List.of(), false);
    }

    /** Matches requests on method and URL alone, whatever their bodies. */
    public Replay ignoringBody() {
        return new Replay(file, exchanges, false, ignoredQueryParams, matchedHeaders, passThroughUnrecorded);
    }

    /** Leaves these query parameters out of the match: timestamps, nonces, cache busters. */
    public Replay ignoringQueryParams(String... names) {
        Set<String> more = new LinkedHashSet<>(ignoredQueryParams);
        more.addAll(List.of(names));
        return new Replay(file, exchanges, matchBody, more, matchedHeaders, passThroughUnrecorded);
    }

    /** Also matches these request headers, with their recorded values; other headers never count. */
    public Replay matchingHeaders(String... names) {
        List<String> more = new ArrayList<>(matchedHeaders);
        more.addAll(List.of(names));
        return new Replay(file, exchanges, matchBody, ignoredQueryParams, more, passThroughUnrecorded);
    }

    /** Requests the HAR did not record go to the older rules, or the network, instead of getting a 502. */
    public Replay passingThroughUnrecorded() {
        return new Replay(file, exchanges, matchBody, ignoredQueryParams, matchedHeaders, true);
    }

    /** How many exchanges the HAR file holds that can be replayed. */
    public int size() {
        return exchanges.size();
    }

    /**
     * The answer for a rule; each call starts the repeated-request sequences afresh (the JUnit extension makes one
     * per test).
     */
    public Answer answer() {
        RuleSet recorded = new RuleSet().offline(true);
        Map<String, Group> groups = new LinkedHashMap<>();
        for (HarReader.Exchange exchange : exchanges) {
            RequestMatcher matcher;
            try {
                matcher = matcher(exchange);
            } catch (IllegalArgumentException notHttp) {
                continue; // a ws:// or data: URL a browser recorded has no request apptap could replay it for
            }
            groups.computeIfAbsent(matcher.describe(), d -> new Group(matcher, exchange.entry()))
                    .responses.add(response(exchange));
        }
        // The newest rule wins: add the least specific first, so that a recorded request with more to compare wins.
        List<Group> ordered = new ArrayList<>(groups.values());
        ordered.sort(Comparator.comparingInt((Group g) -> g.matcher.specificity()).thenComparing(g -> -g.firstEntry));
        for (Group group : ordered) {
            List<Respond> responses = group.responses;
            recorded.add(group.matcher, Answer.inSequence(responses.get(0),
                    responses.subList(1, responses.size()).toArray(Respond[]::new)));
        }
        return new Answer(new FromHar(this, recorded));
    }

    @Override
    public String toString() {
        return "replay " + file.getFileName() + " (" + exchanges.size() + " recorded requests)";
    }

    private RequestMatcher matcher(HarReader.Exchange exchange) {
        RequestFacts recorded = RequestFacts.of(exchange.method(), httpUrl(exchange.url()));
        RequestMatcher matcher = RequestMatcher.request(exchange.method(),
                recorded.scheme() + "://" + hostPort(recorded) + escapeGlob(recorded.path()));
        for (Map.Entry<String, String> param : UrlEncoded.parse(recorded.rawQuery())) {
            if (!ignoredQueryParams.contains(param.getKey())) {
                matcher = matcher.withQueryParam(param.getKey(), param.getValue());
            }
        }
        for (String name : matchedHeaders) {
            for (Map.Entry<String, String> header : exchange.requestHeaders()) {
                if (header.getKey().equalsIgnoreCase(name)) {
                    matcher = matcher.withHeader(name, header.getValue());
                }
            }
        }
        if (matchBody && exchange.requestBody().length > 0) {
            String text = new String(exchange.requestBody(), StandardCharsets.UTF_8);
            JsonNode json = Json.tryParse(text);
            matcher = json != null ? matcher.withJsonBody(json) : matcher.withBody(text);
        }
        return matcher;
    }

    /** Browsers record a WebSocket's URL as {@code ws://} or {@code wss://}; its upgrade request is HTTP(S). */
    private static String httpUrl(String url) {
        if (url.regionMatches(true, 0, "ws://", 0, 5)) {
            return "http://" + url.substring(5);
        }
        return url.regionMatches(true, 0, "wss://", 0, 6) ? "https://" + url.substring(6) : url;
    }

    /** The port spelled out, so a recording of one local server is not replayed for another on the same host. */
    private static String hostPort(RequestFacts recorded) {
        String host = recorded.host().indexOf(':') >= 0 ? "[" + recorded.host() + "]" : recorded.host();
        return host + ":" + recorded.port();
    }

    /** A recorded path is literal: a {@code *} in it must not become a glob. */
    private static String escapeGlob(String path) {
        return path.replace("*", "%2A");
    }

    private static Respond response(HarReader.Exchange exchange) {
        Respond response = Actions.respond(exchange.status());
        for (Map.Entry<String, String> header : exchange.responseHeaders()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (!name.startsWith(":") && !NOT_REPLAYED.contains(name)) {
                response = response.withHeader(header.getKey(), header.getValue());
            }
        }
        if (exchange.responseBody().length > 0) {
            response = response.withBody(exchange.responseBody());
        }
        for (Map.Entry<String, String> trailer : exchange.responseTrailers()) {
            response = response.withTrailer(trailer.getKey(), trailer.getValue());
        }
        return exchange.status() == 101 ? response.withWebSocket(webSocket(exchange)) : response;
    }

    private static WebSocketScript webSocket(HarReader.Exchange exchange) {
        WebSocketScript script = WebSocketScript.empty();
        for (HarReader.WebSocketMessage message : exchange.webSocketMessages()) {
            if (message.sent()) {
                script = message.text() ? script.send(new String(message.data(), StandardCharsets.UTF_8))
                        : script.send();
            } else {
                script = message.text() ? script.receive(new String(message.data(), StandardCharsets.UTF_8))
                        : script.receive(message.data());
            }
        }
        HarReader.WebSocketClose close = exchange.webSocketClose();
        if (close != null && close.byServer()) {
            try {
                script = script.closedByServer(close.code(), close.reason());
            } catch (IllegalArgumentException unsendable) {
                script = script.closedByServer(1000, close.reason()); // 1005 (no code) is sent as a normal close
            }
        }
        return script;
    }

    /** The recorded requests that share one matcher, and their responses in recorded order. */
    private static final class Group {
        final RequestMatcher matcher;
        final int firstEntry;
        final List<Respond> responses = new ArrayList<>();

        Group(RequestMatcher matcher, int firstEntry) {
            this.matcher = matcher;
            this.firstEntry = firstEntry;
        }
    }

    /** The replay's rules: one per recorded request, each answering with its responses in sequence. */
    private record FromHar(Replay replay, RuleSet recorded) implements Answer.Source {

        @Override
        public Decision decide(Rule rule, RequestFacts request) {
            Decision decision = recorded.decide(request);
            if (decision instanceof Decision.Stubbed stubbed) {
                return new Decision.Stubbed(rule, stubbed.response());
            }
            if (replay.passThroughUnrecorded) {
                return Decision.PASS_THROUGH;
            }
            List<NearMiss> closest = decision instanceof Decision.OfflineUnmatched offline ? offline.closest()
                    : recorded.closest(request, CLOSEST);
            return new Decision.OfflineUnmatched("apptap replays " + replay.file + ", which recorded no request like "
                    + request.method() + " " + request.url() + "; record the run again, stub this request, or let"
                    + " unrecorded requests through (passingThroughUnrecorded(), or --replay-pass-through).", closest);
        }

        @Override
        public boolean needsBody() {
            return replay.matchBody;
        }

        @Override
        public String describe() {
            return replay.toString();
        }
    }
}
