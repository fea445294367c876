package dev.apptap.assertions;

import dev.apptap.flow.Flow;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.rules.RequestCriteria;
import dev.apptap.proxy.rules.RequestMatcher;
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
public final class RequestPattern extends RequestCriteria<RequestPattern> {

    private final RequestMatcher matcher;

    RequestPattern(RequestMatcher matcher) {
        this.matcher = Objects.requireNonNull(matcher, "matcher");
    }

    /** Whether {@code flow} is an HTTP flow whose request matches, judged on its body as far as it was recorded. */
    public boolean matches(Flow flow) {
        return flow instanceof HttpFlow http && matcher.matches(http.request());
    }

    /**
     * The engine's matcher this pattern holds, for the front ends that hand patterns to the engine (the JUnit
     * extension's {@code Stubs}); tests have no need of it.
     */
    @Override
    public RequestMatcher matcher() {
        return matcher;
    }

    @Override
    protected RequestPattern with(RequestMatcher narrower) {
        return new RequestPattern(narrower);
    }

    /** {@code POST https://api.example.test/v1/login with header Accept = "json"}. */
    @Override
    public String toString() {
        return matcher.describe();
    }

    /** The pattern on several lines, every condition on its own line indented by {@code indent} plus two. */
    String describe(String indent) {
        StringBuilder text = new StringBuilder(matcher.headline());
        for (String condition : matcher.conditions()) {
            text.append(System.lineSeparator()).append(indent).append("  with ").append(condition);
        }
        return text.toString();
    }
}
