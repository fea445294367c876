package dev.apptap.junit;

import dev.apptap.assertions.RequestPattern;
import dev.apptap.proxy.rules.Action;
import dev.apptap.proxy.rules.Actions;
import dev.apptap.proxy.rules.Answer;
import dev.apptap.proxy.rules.CloseConnection;
import dev.apptap.proxy.rules.Fault;
import dev.apptap.proxy.rules.Forward;
import dev.apptap.proxy.rules.OngoingRule;
import dev.apptap.proxy.rules.PassThrough;
import dev.apptap.proxy.rules.Replay;
import dev.apptap.proxy.rules.RequestFacts;
import dev.apptap.proxy.rules.RequestMatcher;
import dev.apptap.proxy.rules.Respond;
import dev.apptap.proxy.rules.Rule;
import dev.apptap.proxy.rules.RuleSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The stubs and routes of one test: answers apptap gives instead of the upstream, requests it sends elsewhere (a
 * local WireMock), and offline mode. Inject it as a parameter; every rule the test added is removed when the test
 * ends, and offline mode is released.
 *
 * <pre>{@code
 * import static dev.apptap.assertions.ApptapAssertions.*;   // requests: get, post, anyRequestTo, …; assertThat
 * import static dev.apptap.junit.Stubs.*;                   // answers: respond, respondJson, forwardTo, …
 *
 * @InterceptApps(value = "curl", offline = true)
 * class ItemsTest {
 *     @Test
 *     void listsItems(Apps apps, Stubs stubs, Flows flows) {
 *         RequestPattern items = get("https://api.example.test/v1/items");
 *         stubs.on(items).respond(respondJson(200, "[1]"));
 *         stubs.on(anyRequestTo("payments.example.test")).forwardTo("127.0.0.1", 8089);
 *         stubs.on(post("https://api.example.test/v1/items"))                       // computed per request
 *              .respond(request -> respondJson(201, Map.of("name", request.jsonAt("/name").orElse(""))));
 *         stubs.on(get("https://api.example.test/v1/flaky"))                        // retries: 503, then 200
 *              .respond(respondInSequence(respond(503), respond(200)));
 *         stubs.on(get("https://api.example.test/v1/big"))                          // a body cut off mid-way
 *              .respond(respond(200).withBody(big).withFault(Fault.closeAfterBodyBytes(512)));
 *         stubs.on(anyRequestTo("cdn.example.test")).passThroughWith(Fault.throttle(1024));   // the real server, slowly
 *         apps.run("curl", "-sS", "https://api.example.test/v1/items");   // prints [1]
 *         assertThat(flows).hasRequest(items, exactly(1));
 *     }
 * }
 * }</pre>
 *
 * <p>Requests are described with {@link RequestPattern}, the same value the assertions take; the static methods
 * here are the answers only, so {@code Stubs.*} and {@code ApptapAssertions.*} can both be imported on demand.
 *
 * <p><b>Scope.</b> The engine is shared by every test of the run, so its rules are engine-wide <em>while they
 * exist</em>: a LAUNCH test running in parallel can be answered by another test's stub for the same URL. Rules live
 * only as long as the test that added them, and the newest matching rule wins, so distinct URLs per test (or no
 * parallelism) keep tests apart. Offline mode is engine-wide too: it stays on while any test holds it. Tests that
 * ask for it with {@code @InterceptApps(offline = true)} take the {@value InterceptApps#OFFLINE_LOCK} lock
 * exclusively, and every other {@code @InterceptApps} test shares it, so offline tests never overlap online ones;
 * {@link #offline()} called in a test takes no lock.
 *
 * <p>Offline, a request no stub matches gets a {@code 502} whose body names its method and URL and the stub to add,
 * and nothing leaves the machine. When a test fails, its stubs that no request used are listed in the
 * {@code apptap.flows} report entry: such a stub is usually a typo in a URL.
 *
 * <p>Every method may be called while the app's traffic flows.
 */
public final class Stubs {

    private final RuleSet rules;
    private final OfflineVotes offlineVotes;
    private final List<Rule> added = new ArrayList<>();
    private boolean holdsOffline;
    private boolean closed;

    Stubs(RuleSet rules, OfflineVotes offlineVotes) {
        this.rules = rules;
        this.offlineVotes = offlineVotes;
    }

    /**
     * Starts a rule for the requests {@code pattern} matches; it is added once its answer is given
     * ({@code .respond(…)}, {@code .forwardTo(…)}, {@code .close()}), and removed when the test ends.
     */
    public OngoingRule on(RequestPattern pattern) {
        return OngoingRule.adding(Objects.requireNonNull(pattern, "pattern").matcher(), this::add);
    }

    /**
     * Answers requests from a recorded HAR file until the test ends; stubs added afterwards win over it. Requests
     * the HAR does not hold get a 502 naming the closest recorded ones, unless the replay lets them through.
     *
     * <pre>{@code
     * stubs.replay(Replay.of(Path.of("src/test/resources/api.har")).ignoringQueryParams("ts"));
     * }</pre>
     */
    public Rule replay(Replay replay) {
        return add(RequestMatcher.anyRequest(), Objects.requireNonNull(replay, "replay").answer());
    }

    /**
     * Answers requests from this HAR file (see {@link Replay} for matching, repeated and unrecorded requests).
     *
     * @throws IllegalArgumentException naming the file when it is missing or not a HAR
     */
    public Rule replay(Path har) {
        return replay(Replay.of(har));
    }

    /**
     * Turns offline mode on: requests no stub matches get apptap's 502 instead of reaching the network, until the
     * test ends. Same as {@code offline(true)}.
     */
    public Stubs offline() {
        return offline(true);
    }

    /** Turns this test's offline mode on or off; off leaves it on while another test holds it (see the class comment). */
    public synchronized Stubs offline(boolean offline) {
        checkOpen();
        if (offline && !holdsOffline) {
            offlineVotes.hold();
            holdsOffline = true;
        } else if (!offline && holdsOffline) {
            offlineVotes.release();
            holdsOffline = false;
        }
        return this;
    }

    /** Whether the engine is offline now, because of this test or another. */
    public boolean isOffline() {
        return rules.isOffline();
    }

    /** The rules this test added and has not removed, oldest first; {@link Rule#hits()} says how often each was used. */
    public synchronized List<Rule> rules() {
        return added.stream().filter(Rule::isActive).toList();
    }

    /** The rules this test added that no request has used yet, oldest first. */
    public synchronized List<Rule> unusedRules() {
        return added.stream().filter(rule -> rule.hits() == 0).toList();
    }

    /** Removes every rule this test added so far; offline mode stays as it is. */
    public synchronized void reset() {
        added.forEach(Rule::remove);
        added.clear();
    }

    /** Ends the test's share: its rules go, and its hold on offline mode is released. */
    synchronized void close() {
        if (closed) {
            return;
        }
        // Kept so that the failure report, written before this, and a late unusedRules() still see them.
        added.forEach(Rule::remove);
        if (holdsOffline) {
            offlineVotes.release();
            holdsOffline = false;
        }
        closed = true;
    }

    private synchronized Rule add(RequestMatcher matcher, Action action) {
        checkOpen();
        Rule rule = rules.add(matcher, action);
        added.add(rule);
        return rule;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This test's Stubs are closed: the test has ended, and its rules with it.");
        }
    }

    @Override
    public synchronized String toString() {
        return "Stubs" + added.stream().map(Rule::describe).toList() + (holdsOffline ? " offline" : "");
    }

    // ---- the answers, for one static import beside ApptapAssertions' requests ----

    /** @see Actions#respond(int) */
    public static Respond respond(int status) {
        return Actions.respond(status);
    }

    /** @see Actions#respondJson(int, Object) */
    public static Respond respondJson(int status, Object json) {
        return Actions.respondJson(status, json);
    }

    /** @see Actions#respondWithFile(int, Path) */
    public static Respond respondWithFile(int status, Path file) {
        return Actions.respondWithFile(status, file);
    }

    /** @see Actions#respondWith(Function) */
    public static Answer respondWith(Function<RequestFacts, Respond> function) {
        return Actions.respondWith(function);
    }

    /** @see Actions#respondInSequence(Respond, Respond...) */
    public static Answer respondInSequence(Respond first, Respond... then) {
        return Actions.respondInSequence(first, then);
    }

    /** @see Actions#forwardTo(String, int) */
    public static Forward forwardTo(String host, int port) {
        return Actions.forwardTo(host, port);
    }

    /** @see Actions#forwardToTls(String, int) */
    public static Forward forwardToTls(String host, int port) {
        return Actions.forwardToTls(host, port);
    }

    /** @see Actions#closeConnection() */
    public static CloseConnection closeConnection() {
        return Actions.closeConnection();
    }

    /** @see Actions#passThroughWith(Fault) */
    public static PassThrough passThroughWith(Fault fault) {
        return Actions.passThroughWith(fault);
    }
}
