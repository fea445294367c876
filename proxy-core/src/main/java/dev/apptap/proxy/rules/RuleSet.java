package dev.apptap.proxy.rules;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The stubs and routes of one apptap session, and the decision, per request, of what to do with it.
 *
 * <pre>{@code
 * import static dev.apptap.proxy.rules.Actions.*;
 * import static dev.apptap.proxy.rules.RequestMatcher.*;
 *
 * RuleSet stubs = new RuleSet();
 * stubs.on(anyRequestTo("api.example.test")).respond(respond(404));                     // fallback
 * stubs.on(post("https://api.example.test/v1/login")).respond(respondJson(200, "{\"token\":\"t\"}"));
 * stubs.on(any("https://payments.example.test/**")).forwardTo("127.0.0.1", 8089);     // a local WireMock
 * stubs.offline(true);                                                               // nothing else leaves
 *
 * stubs.decide(RequestFacts.of("POST", "https://api.example.test/v1/login"));          // Stubbed(#2, respond 200)
 * stubs.decide(RequestFacts.of("GET", "https://cdn.example.test/x"));                   // OfflineUnmatched(…)
 * }</pre>
 *
 * <p><b>Order.</b> The newest matching rule wins, as in WireMock: a general rule added first and more specific ones
 * added later work as expected, and {@code on(sameMatcher)} again in a test overrides what a shared set-up stubbed.
 * (Remove the old rule with {@link Rule#remove()} when it should not come back.)
 *
 * <p><b>Threads.</b> Every method may be called from any thread while traffic flows. Changes copy the rule list;
 * each decision reads one snapshot, so it sees a rule either entirely or not at all. A request being decided while a
 * rule is added or removed may or may not see that change.
 */
public final class RuleSet {

    private static final int CLOSEST_IN_OFFLINE_BODY = 3;
    private static final Map<String, String> FACTORY_OF_METHOD = Map.of("GET", "get", "POST", "post", "PUT", "put",
            "DELETE", "delete", "PATCH", "patch", "HEAD", "head", "OPTIONS", "options");

    private final Object writeLock = new Object();
    /** Newest first, the order {@link #decide} reads them in. */
    private volatile List<Rule> newestFirst = List.of();
    private volatile boolean offline;
    private long lastId;

    /** Starts a rule for requests that {@code matcher} matches; it is added once its action is given. */
    public OngoingRule on(RequestMatcher matcher) {
        return OngoingRule.in(this, matcher);
    }

    /** Adds a rule; it takes precedence over every rule added before. */
    public Rule add(RequestMatcher matcher, Action action) {
        Objects.requireNonNull(matcher, "matcher");
        Objects.requireNonNull(action, "action");
        synchronized (writeLock) {
            Rule rule = new Rule(this, ++lastId, matcher, action);
            List<Rule> next = new ArrayList<>(newestFirst.size() + 1);
            next.add(rule);
            next.addAll(newestFirst);
            newestFirst = List.copyOf(next);
            return rule;
        }
    }

    /**
     * Offline: requests no rule matches get a 502 saying so ({@link Decision.OfflineUnmatched}) instead of reaching
     * the network.
     */
    public RuleSet offline(boolean offline) {
        this.offline = offline;
        return this;
    }

    /** Whether every request passes through untouched: no rules and not offline. Cheap, for the engine's hot path. */
    public boolean isEmpty() {
        return !offline && newestFirst.isEmpty();
    }

    public boolean isOffline() {
        return offline;
    }

    /** Removes every rule and goes back online: the state of a new rule set, for the start of each test. */
    public void clear() {
        synchronized (writeLock) {
            newestFirst = List.of();
            offline = false;
        }
    }

    /** The rules in the order they were added (the reverse of the order they are tried in). */
    public List<Rule> rules() {
        List<Rule> oldestFirst = new ArrayList<>(newestFirst);
        Collections.reverse(oldestFirst);
        return List.copyOf(oldestFirst);
    }

    /** The rules no request has used yet, in the order they were added: often a typo in a URL. */
    public List<Rule> unusedRules() {
        return rules().stream().filter(rule -> rule.hits() == 0).toList();
    }

    /**
     * What to do with this request: the newest rule that matches it decides and counts a hit (an {@link Answer}
     * that declines the request leaves it to the older rules); without one, the request passes through, or gets the
     * offline 502.
     *
     * @param request the whole request when {@link #needsBody} said so for its head, else the head alone
     */
    public Decision decide(RequestFacts request) {
        List<Rule> snapshot = newestFirst;
        Probe probe = new Probe(request);
        for (Rule rule : snapshot) {
            if (rule.matcher().matches(probe)) {
                Action action = rule.action();
                if (action instanceof Answer answer) {
                    Decision decision = answer.decide(rule, request);
                    if (decision instanceof Decision.PassThrough) {
                        continue; // declined: the older rules decide
                    }
                    rule.hit();
                    return decision;
                }
                rule.hit();
                if (action instanceof Respond response) {
                    return new Decision.Stubbed(rule, response);
                }
                if (action instanceof Forward forward) {
                    return new Decision.Routed(rule, forward);
                }
                if (action instanceof PassThrough passThrough) {
                    return new Decision.Faulted(rule, passThrough.fault());
                }
                return new Decision.Closed(rule);
            }
        }
        if (!offline) {
            return Decision.PASS_THROUGH;
        }
        return new Decision.OfflineUnmatched(offlineSentence(request),
                closest(snapshot, probe, CLOSEST_IN_OFFLINE_BODY));
    }

    /**
     * Whether the engine must buffer the body before {@link #decide}: true when the rule that would be tried first
     * among those whose head criteria match this head looks at the body. A rule that matches on the head alone and
     * comes first makes the body irrelevant.
     *
     * @param head the request without its body
     */
    public boolean needsBody(RequestFacts head) {
        Probe probe = new Probe(head);
        for (Rule rule : newestFirst) {
            if (rule.matcher().headMatches(probe)) {
                if (rule.matcher().needsBody()) {
                    return true;
                }
                if (rule.action() instanceof Answer answer) {
                    // It may decline, and an older rule may then look at the body: keep it either way.
                    if (answer.needsBody()) {
                        return true;
                    }
                    continue;
                }
                return false;
            }
        }
        return false;
    }

    /**
     * Whether some rule could match a request to this host (whatever the other fields): the DNS responder answers
     * such names even when they do not resolve. True for every host once a rule names no host. Rules that pass
     * requests through with a fault do not count.
     */
    public boolean matchesHost(String host) {
        for (Rule rule : newestFirst) {
            // a fault on traffic passed through still goes to the real server: its host is not apptap's to answer
            if (!(rule.action() instanceof PassThrough) && rule.matcher().couldMatchHost(host)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The newest rule that fails the TLS handshake of apps for this host ({@link Fault#tlsHandshakeFailure()} on a
     * rule whose pattern could match a request to it), if any: at the handshake only the host is known.
     */
    public Optional<Rule> failingTlsHandshakeFor(String host) {
        for (Rule rule : newestFirst) {
            if (faultOf(rule.action()).filter(f -> f.kind() == Fault.Kind.TLS_HANDSHAKE_FAILURE).isPresent()
                    && rule.matcher().couldMatchHost(host)) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }

    private static Optional<Fault> faultOf(Action action) {
        if (action instanceof PassThrough passThrough) {
            return Optional.of(passThrough.fault());
        }
        if (action instanceof Respond response) {
            return response.fault();
        }
        if (action instanceof Forward forward) {
            return forward.fault();
        }
        return Optional.empty();
    }

    /**
     * The {@code n} rules that come closest to matching this request, closest first, each with the fields that
     * differ (WireMock's near misses). A rule that matches comes first with no differences. Ties go to the newer rule.
     */
    public List<NearMiss> closest(RequestFacts request, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n is " + n + "; it must not be negative");
        }
        return closest(newestFirst, new Probe(request), n);
    }

    boolean remove(Rule rule) {
        synchronized (writeLock) {
            if (!newestFirst.contains(rule)) {
                return false;
            }
            List<Rule> next = new ArrayList<>(newestFirst);
            next.remove(rule);
            newestFirst = List.copyOf(next);
            return true;
        }
    }

    boolean contains(Rule rule) {
        return newestFirst.contains(rule);
    }

    private static List<NearMiss> closest(List<Rule> newestFirst, Probe probe, int n) {
        List<NearMiss> misses = new ArrayList<>(newestFirst.size());
        for (Rule rule : newestFirst) {
            misses.add(new NearMiss(rule, rule.matcher().compare(probe)));
        }
        // A stable sort keeps newest first among equals.
        misses.sort(Comparator.comparingDouble(NearMiss::distance));
        return List.copyOf(misses.subList(0, Math.min(n, misses.size())));
    }

    /** The sentence names the stub to add in the very code the user would type. */
    static String offlineSentence(RequestFacts request) {
        String url = request.url();
        String literal = "\"" + url.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        String method = request.method().toUpperCase(Locale.ROOT);
        String factory = FACTORY_OF_METHOD.get(method);
        String matcher = factory != null ? factory + "(" + literal + ")"
                : "request(\"" + method + "\", " + literal + ")";
        return "apptap is offline and no stub matched " + request.method() + " " + url + "; add one with stubs.on("
                + matcher + ").respond(...).";
    }
}
