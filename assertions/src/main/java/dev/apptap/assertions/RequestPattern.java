package dev.apptap.assertions;

import dev.apptap.proxy.flow.Flow;
import dev.apptap.proxy.flow.HttpFlow;
import dev.apptap.proxy.rules.RequestMatcher;
import java.util.List;
import java.util.Objects;

/**
 * A request, described once and used everywhere a test names one: to stub it ({@code stubs.on(pattern)}), to check
 * it was made ({@link FlowsAssert#hasRequest(RequestPattern)}), to count it
 * ({@link FlowsAssert#hasRequest(RequestPattern, Times)}) and to explain the near misses when it was not. Start one
 * with the factories of {@link ApptapAssertions} ({@code get}, {@code post}, {@code request}, {@code anyRequestTo},
 * …) and narrow it with the {@code with…} methods; each returns a new pattern, so one pattern can be the base of
 * several.
 *
 * <pre>{@code
 * import static dev.apptap.assertions.ApptapAssertions.*;
 * import static dev.apptap.junit.Stubs.*;
 *
 * RequestPattern login = post("https://api.example.test/v1/login")
 *         .withHeader("Content-Type", "application/json")
 *         .withJsonBodyLenient("{\"user\":\"ann\"}")           // other fields may be there too
 *         .withJsonPath("$.device.id", "d-1");
 * stubs.on(login).respond(respondJson(200, "{\"token\":\"t\"}"));
 * apps.run("curl", ...);
 * assertThat(flows).within(Duration.ofSeconds(5)).hasRequest(login, atLeast(1));
 * }</pre>
 *
 * <p><b>URLs.</b> {@code scheme://host[:port]/path[?query]} or {@code /path[?query]} (that path on any host). A
 * missing port matches any port; {@code *} matches any scheme, host or port, {@code *.example.test} every name below
 * example.test. In the path {@code *} matches within a segment and {@code **} across segments. Query parameters in
 * the URL must be present with those values; others may be present too.
 *
 * <p><b>Comparisons.</b> Method, scheme and host ignore case, header names too; header values, paths (as sent or
 * percent-decoded) and bodies do not. Regexes must match the whole value. JSON ignores key order, whitespace and
 * how numbers are written; array order and every field count, except in {@link #withJsonBodyLenient}. Bodies are
 * seen content-decoded, in the charset of their Content-Type; a recorded body holds what was recorded of it.
 *
 * <p>The engine and the assertions judge a request with the same criteria, so a pattern that stubbed a request
 * also finds its flow. Patterns are immutable and thread-safe.
 */
public final class RequestPattern {

    private final RequestMatcher matcher;

    RequestPattern(RequestMatcher matcher) {
        this.matcher = Objects.requireNonNull(matcher, "matcher");
    }

    /** {@code http} or {@code https}. */
    public RequestPattern withScheme(String scheme) {
        return new RequestPattern(matcher.withScheme(scheme));
    }

    /** An exact host, or {@code *.example.test} for every name below example.test. */
    public RequestPattern withHost(String host) {
        return new RequestPattern(matcher.withHost(host));
    }

    public RequestPattern withPort(int port) {
        return new RequestPattern(matcher.withPort(port));
    }

    /** An exact path, or a glob when it holds {@code *} ({@code /v1/*}, {@code /v1/**}). */
    public RequestPattern withPath(String pathOrGlob) {
        return new RequestPattern(matcher.withPath(pathOrGlob));
    }

    /** A regex the whole path must match, e.g. {@code /v1/items/\d+}. */
    public RequestPattern withPathMatching(String regex) {
        return new RequestPattern(matcher.withPathMatching(regex));
    }

    /** The query holds this parameter, with any value. */
    public RequestPattern withQueryParam(String name) {
        return new RequestPattern(matcher.withQueryParam(name));
    }

    /** The query holds this parameter with this (percent-decoded) value among its values. */
    public RequestPattern withQueryParam(String name, String value) {
        return new RequestPattern(matcher.withQueryParam(name, value));
    }

    public RequestPattern withQueryParamMatching(String name, String regex) {
        return new RequestPattern(matcher.withQueryParamMatching(name, regex));
    }

    /** The header is present, with any value. */
    public RequestPattern withHeader(String name) {
        return new RequestPattern(matcher.withHeader(name));
    }

    /** The header (name in any case) has exactly this value; with repeated headers one of them must. */
    public RequestPattern withHeader(String name, String value) {
        return new RequestPattern(matcher.withHeader(name, value));
    }

    public RequestPattern withHeaderContaining(String name, String text) {
        return new RequestPattern(matcher.withHeaderContaining(name, text));
    }

    public RequestPattern withHeaderMatching(String name, String regex) {
        return new RequestPattern(matcher.withHeaderMatching(name, regex));
    }

    /** The body, as text, is exactly this. */
    public RequestPattern withBody(String text) {
        return new RequestPattern(matcher.withBody(text));
    }

    public RequestPattern withBodyContaining(String text) {
        return new RequestPattern(matcher.withBodyContaining(text));
    }

    /** A regex the whole body must match; start it with {@code (?s)} to let {@code .} cross lines. */
    public RequestPattern withBodyMatching(String regex) {
        return new RequestPattern(matcher.withBodyMatching(regex));
    }

    /**
     * The body is this JSON value, every field and array element in place (key order, whitespace and number
     * notation aside). A String is parsed as JSON; a Map, List or any object Jackson serializes is taken as its
     * JSON tree.
     *
     * @throws IllegalArgumentException if a String {@code json} is not JSON
     */
    public RequestPattern withJsonBody(Object json) {
        return new RequestPattern(matcher.withJsonBody(json));
    }

    /**
     * The body is JSON that holds {@code json}: it may have fields {@code json} does not name, at any depth, and its
     * arrays may list the same elements in another order.
     *
     * <pre>{@code
     * post("/v1/orders").withJsonBodyLenient("{\"items\":[{\"sku\":\"b\"},{\"sku\":\"a\"}]}")
     * // matches {"id":7,"items":[{"sku":"a","qty":1},{"sku":"b","qty":2}]}
     * }</pre>
     *
     * @throws IllegalArgumentException if a String {@code json} is not JSON
     */
    public RequestPattern withJsonBodyLenient(Object json) {
        return new RequestPattern(matcher.withJsonBodyLenient(json));
    }

    /**
     * The body is JSON with {@code expected} at this JSON Pointer ({@code /user/name}, {@code /items/0/id}):
     * strings compare with strings, numbers by value, Maps and Lists as objects and arrays.
     *
     * @throws IllegalArgumentException if {@code pointer} is not a JSON Pointer
     */
    public RequestPattern withJsonPointer(String pointer, Object expected) {
        return new RequestPattern(matcher.withJsonPointer(pointer, expected));
    }

    /**
     * The body is JSON in which this JSONPath finds something, e.g. {@code $.items[?(@.price > 10)]}.
     *
     * @throws IllegalArgumentException if {@code path} is not a JSONPath
     */
    public RequestPattern withJsonPath(String path) {
        return new RequestPattern(matcher.withJsonPath(path));
    }

    /**
     * The body is JSON in which this JSONPath finds {@code expected}: at a definite path ({@code $.user.name},
     * {@code $.items[0].id}) the value equals it; with wildcards or filters ({@code $.items[*].id}) one of the
     * values found does. Values compare as in {@link #withJsonPointer(String, Object)}.
     *
     * @throws IllegalArgumentException if {@code path} is not a JSONPath
     */
    public RequestPattern withJsonPath(String path, Object expected) {
        return new RequestPattern(matcher.withJsonPath(path, expected));
    }

    /** Both this and {@code other} must match. */
    public RequestPattern and(RequestPattern other) {
        return new RequestPattern(matcher.and(other.matcher));
    }

    /** Whether {@code flow} is an HTTP flow whose request matches, judged on its body as far as it was recorded. */
    public boolean matches(Flow flow) {
        return flow instanceof HttpFlow http && matcher.matches(http.request());
    }

    /**
     * The engine's matcher this pattern holds, for the front ends that hand patterns to the engine (the JUnit
     * extension's {@code Stubs}); tests have no need of it.
     */
    public RequestMatcher matcher() {
        return matcher;
    }

    /** {@code POST https://api.example.test/v1/login with header Accept = "json"}. */
    @Override
    public String toString() {
        return matcher.describe();
    }

    /** The pattern on several lines, every condition on its own line indented by {@code indent} plus two. */
    String describe(String indent) {
        StringBuilder text = new StringBuilder(matcher.headline());
        List<String> conditions = matcher.conditions();
        for (String condition : conditions) {
            text.append(System.lineSeparator()).append(indent).append("  with ").append(condition);
        }
        return text.toString();
    }
}
