package dev.apptap.assertions;

import dev.apptap.flow.Flow;
import dev.apptap.flow.Flows;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.rules.RequestMatcher;
import java.util.List;

/**
 * The one static import for describing requests and asserting on the flows apptap recorded: request patterns
 * ({@code get}, {@code post}, {@code request}, {@code anyRequestTo}, …), counts ({@code atLeast}, {@code atMost},
 * {@code between}, {@code exactly}, {@code never}) and {@code assertThat}. The same pattern stubs a request with
 * the JUnit extension's {@code stubs.on(pattern)}, whose answers ({@code respond}, {@code forwardTo}, …) come from
 * {@code dev.apptap.junit.Stubs}; the two static imports share no name.
 *
 * <pre>{@code
 * import static dev.apptap.assertions.ApptapAssertions.*;
 *
 * RequestPattern login = post("https://api.example.test/v1/login")
 *         .withHeader("Content-Type", "application/json")
 *         .withJsonPath("$.user", "alice");
 * assertThat(flows).hasRequest(login);
 * assertThat(flows).within(Duration.ofSeconds(5)).fromProcess("curl").hasRequest(get("/v1/ping"), atLeast(3));
 * assertThat(flows).toHost("api.example.test").singleElement().hasStatus(200);
 * }</pre>
 *
 * <p>For soft assertions use {@link ApptapSoftAssertions}.
 */
public final class ApptapAssertions {

    private ApptapAssertions() {
    }

    /** Assertions on the flows of a live view, as they are now; add {@link FlowsAssert#within} to wait. */
    public static FlowsAssert assertThat(Flows flows) {
        return new FlowsAssert(flows);
    }

    /** Assertions on a fixed list of flows. */
    public static FlowsAssert assertThat(List<? extends Flow> flows) {
        return new FlowsAssert(flows);
    }

    /** Assertions on one flow of any kind. */
    public static FlowAssert assertThat(Flow flow) {
        return new FlowAssert(flow);
    }

    /** Assertions on one HTTP flow. */
    public static FlowAssert assertThat(HttpFlow flow) {
        return new FlowAssert(flow);
    }

    // ---- request patterns ----

    /**
     * A request with {@code method} (any case) to {@code url}: {@code https://api.example.test/v1/login} (any port
     * unless one is given), a glob such as {@code https://*.example.test/v1/**}, or a path alone, {@code /v1/login},
     * on any host. See {@link RequestPattern} for the rules.
     */
    public static RequestPattern request(String method, String url) {
        return new RequestPattern(RequestMatcher.request(method, url));
    }

    /** A GET to {@code url}; see {@link #request(String, String)}. */
    public static RequestPattern get(String url) {
        return new RequestPattern(RequestMatcher.get(url));
    }

    /** A POST to {@code url}; see {@link #request(String, String)}. */
    public static RequestPattern post(String url) {
        return new RequestPattern(RequestMatcher.post(url));
    }

    /** A PUT to {@code url}; see {@link #request(String, String)}. */
    public static RequestPattern put(String url) {
        return new RequestPattern(RequestMatcher.put(url));
    }

    /** A DELETE to {@code url}; see {@link #request(String, String)}. */
    public static RequestPattern delete(String url) {
        return new RequestPattern(RequestMatcher.delete(url));
    }

    /** A PATCH to {@code url}; see {@link #request(String, String)}. */
    public static RequestPattern patch(String url) {
        return new RequestPattern(RequestMatcher.patch(url));
    }

    /** A HEAD to {@code url}; see {@link #request(String, String)}. */
    public static RequestPattern head(String url) {
        return new RequestPattern(RequestMatcher.head(url));
    }

    /** An OPTIONS to {@code url}; see {@link #request(String, String)}. */
    public static RequestPattern options(String url) {
        return new RequestPattern(RequestMatcher.options(url));
    }

    /** Any method to {@code url}; see {@link #request(String, String)}. */
    public static RequestPattern any(String url) {
        return new RequestPattern(RequestMatcher.any(url));
    }

    /** Any request to this host ({@code api.example.test}, or {@code *.example.test}), whatever else it has. */
    public static RequestPattern anyRequestTo(String host) {
        return new RequestPattern(RequestMatcher.anyRequestTo(host));
    }

    /** Every request; narrow it with the {@code with…} methods. */
    public static RequestPattern anyRequest() {
        return new RequestPattern(RequestMatcher.anyRequest());
    }

    // ---- counts ----

    /** Exactly {@code count} matching flows. */
    public static Times exactly(int count) {
        return Times.between(count, count);
    }

    /** {@code count} matching flows or more: the count to wait for when an app polls. */
    public static Times atLeast(int count) {
        return Times.between(count, Integer.MAX_VALUE);
    }

    /** {@code count} matching flows or fewer, none included. */
    public static Times atMost(int count) {
        return Times.between(0, count);
    }

    /** From {@code min} to {@code max} matching flows, both included. */
    public static Times between(int min, int max) {
        return Times.between(min, max);
    }

    /** No matching flow. */
    public static Times never() {
        return Times.between(0, 0);
    }
}
