package dev.apptap.proxy.rules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import dev.apptap.flow.HttpRequest;
import dev.apptap.proxy.rules.Criterion.HostIs;
import dev.apptap.proxy.rules.Criterion.MethodIs;
import dev.apptap.proxy.rules.Criterion.PathIs;
import dev.apptap.proxy.rules.Criterion.PortIs;
import dev.apptap.proxy.rules.Criterion.QueryParam;
import dev.apptap.proxy.rules.Criterion.SchemeIs;
import dev.apptap.proxy.rules.Criterion.TextTest;
import dev.apptap.flow.UrlEncoded;

/**
 * Which requests a rule applies to, and the one place where apptap decides whether a request matches: the engine
 * asks it for each request it may stub, and the assertions ask it for each recorded flow. Tests write patterns with
 * {@code dev.apptap.assertions.RequestPattern}, which holds one of these; front ends such as the CLI build them
 * here. Immutable: every {@code with…} method returns a new matcher, so one matcher can be the base of several.
 *
 * <pre>{@code
 * import static dev.apptap.proxy.rules.RequestMatcher.*;
 *
 * get("https://api.example.test/v1/items")                  // GET, https, that host, any port, path /v1/items
 * post("https://api.example.test/v1/login")
 *         .withHeader("Content-Type", "application/json")
 *         .withJsonPath("$.user.name", "ann")
 * any("https://*.example.test/v1/**")                       // any method, any subdomain, anything under /v1
 * get("https://api.example.test/v1/items?page=2")           // also needs query param page=2 (others may be present)
 * get("/v1/items")                                          // that path on any host
 * anyRequestTo("api.example.test")                          // any scheme, port, method and path
 * request("PATCH", "http://localhost:8080/v1/items/*")
 *         .withJsonBodyLenient("{\"done\":true}")
 * }</pre>
 *
 * <p><b>URLs.</b> {@code scheme://host[:port]/path[?query]}, or {@code /path[?query]} for that path on any host. A
 * missing port matches any port (stubs usually name a host, not the port an app happened to use); a missing path
 * means {@code /}. {@code *} as the scheme, host or port matches any; {@code *.example.test} matches every name
 * below {@code example.test} but not {@code example.test} itself. In the path, {@code *} matches within one segment
 * and {@code **} across segments ({@code /v1/**} also matches {@code /v1}). Query parameters in the URL must be
 * present with those values; others may be present too.
 *
 * <p><b>Comparisons.</b> Method, scheme and host ignore case; header names ignore case, header values do not.
 * Paths are compared as sent and percent-decoded. Regexes ({@link #withPathMatching}, {@link #withHeaderMatching},
 * {@link #withBodyMatching}) must match the whole value. JSON comparisons ignore key order, whitespace and how a
 * number is written; array order counts unless lenient. Body criteria see the body content-decoded and in the
 * charset of its Content-Type.
 */
public final class RequestMatcher extends RequestCriteria<RequestMatcher> {

    private static final RequestMatcher ANY = new RequestMatcher(List.of());

    private final List<Criterion> criteria;

    private RequestMatcher(List<Criterion> criteria) {
        this.criteria = List.copyOf(criteria);
    }

    /** Matches every request. */
    public static RequestMatcher anyRequest() {
        return ANY;
    }

    /** Any request to this host (exact, or {@code *.example.test}), whatever its scheme, port, method or path. */
    public static RequestMatcher anyRequestTo(String host) {
        return ANY.withHost(host);
    }

    /** A GET to this URL (see the class comment for URL patterns). */
    public static RequestMatcher get(String url) {
        return request("GET", url);
    }

    public static RequestMatcher post(String url) {
        return request("POST", url);
    }

    public static RequestMatcher put(String url) {
        return request("PUT", url);
    }

    public static RequestMatcher delete(String url) {
        return request("DELETE", url);
    }

    public static RequestMatcher patch(String url) {
        return request("PATCH", url);
    }

    public static RequestMatcher head(String url) {
        return request("HEAD", url);
    }

    public static RequestMatcher options(String url) {
        return request("OPTIONS", url);
    }

    /** Any method to this URL. */
    public static RequestMatcher any(String url) {
        return new RequestMatcher(UrlPattern.parse(url));
    }

    /** This method (any case; sent upper-case by clients) to this URL. */
    public static RequestMatcher request(String method, String url) {
        Objects.requireNonNull(method, "method");
        List<Criterion> criteria = new ArrayList<>();
        criteria.add(new MethodIs(method));
        criteria.addAll(UrlPattern.parse(url));
        return new RequestMatcher(criteria);
    }

    RequestMatcher plusAll(RequestMatcher other) {
        List<Criterion> both = new ArrayList<>(criteria);
        both.addAll(other.criteria);
        return new RequestMatcher(both);
    }

    public boolean matches(RequestFacts request) {
        return matches(new Probe(request));
    }

    /** Whether a recorded request matches, judged on its body as far as it was recorded. */
    public boolean matches(HttpRequest request) {
        return matches(probe(request));
    }

    /** The request held against each criterion, for near-miss diagnostics. */
    public Comparison compare(RequestFacts request) {
        return compare(new Probe(request));
    }

    /** A recorded request held against each criterion, for near-miss diagnostics. */
    public Comparison compare(HttpRequest request) {
        return compare(probe(request));
    }

    /** Whether any criterion looks at the body (so the engine must buffer it before deciding). */
    public boolean needsBody() {
        for (Criterion criterion : criteria) {
            if (criterion.needsBody()) {
                return true;
            }
        }
        return false;
    }

    /**
     * One line for messages: {@code POST https://api.example.test/v1/login with header Accept = "json"}, or
     * {@code any request to *.example.test}.
     */
    public String describe() {
        List<String> conditions = conditions();
        return headline() + (conditions.isEmpty() ? "" : " with " + String.join(", ", conditions));
    }

    /** The method and URL part of {@link #describe()}: {@code POST https://api.example.test/v1/login}. */
    public String headline() {
        MethodIs method = first(MethodIs.class);
        SchemeIs scheme = first(SchemeIs.class);
        HostIs host = first(HostIs.class);
        PortIs port = first(PortIs.class);
        PathIs path = urlPath();
        StringBuilder text = new StringBuilder(method == null ? "any request to " : method.method() + " ");
        if (scheme == null && port == null && path == null) {
            text.append(host == null ? "any host" : host.pattern());
        } else if (scheme == null && host == null && port == null) {
            text.append(path.source());
        } else {
            text.append(scheme == null ? "http(s)" : scheme.scheme()).append("://");
            text.append(host == null ? "*" : host.pattern().indexOf(':') >= 0 ? "[" + host.pattern() + "]" : host.pattern());
            if (port != null) {
                text.append(':').append(port.port());
            }
            text.append(path == null ? "/**" : path.source());
        }
        return text.toString();
    }

    /** The criteria beyond method and URL, one phrase each: {@code header Accept = "json"}, {@code JSON $.id = 7}. */
    public List<String> conditions() {
        List<Criterion> inHeadline = Arrays.asList(first(MethodIs.class), first(SchemeIs.class), first(HostIs.class),
                first(PortIs.class), urlPath());
        List<String> conditions = new ArrayList<>();
        for (Criterion criterion : criteria) {
            if (!inHeadline.contains(criterion)) {
                conditions.add(criterion.condition());
            }
        }
        return conditions;
    }

    @Override
    public String toString() {
        return describe();
    }

    boolean matches(Probe request) {
        for (Criterion criterion : criteria) {
            if (!criterion.test(request)) {
                return false;
            }
        }
        return true;
    }

    /** How many criteria it has: a replay lets the recorded request with more to compare win. */
    int specificity() {
        return criteria.size();
    }

    /** Whether every criterion that does not need the body matches. */
    boolean headMatches(Probe request) {
        for (Criterion criterion : criteria) {
            if (!criterion.needsBody() && !criterion.test(request)) {
                return false;
            }
        }
        return true;
    }

    /** Whether some request to this host could match (the other fields aside). */
    boolean couldMatchHost(String host) {
        for (Criterion criterion : criteria) {
            if (criterion instanceof HostIs hostIs && !hostIs.matchesHost(host)) {
                return false;
            }
        }
        return true;
    }

    Comparison compare(Probe request) {
        List<Comparison.Field> fields = new ArrayList<>(criteria.size());
        for (Criterion criterion : criteria) {
            fields.add(new Comparison.Field(criterion.field(), criterion.expected(), criterion.actual(request),
                    criterion.distance(request), criterion.weight()));
        }
        return new Comparison(fields);
    }

    private static Probe probe(HttpRequest request) {
        return new Probe(RequestFacts.headOf(request), request.body().text());
    }

    /** The path criterion the URL gave, which the headline shows; a regex path is listed among the conditions. */
    private PathIs urlPath() {
        PathIs path = first(PathIs.class);
        return path != null && path.kind() == PathIs.Kind.REGEX ? null : path;
    }

    /** This matcher: the engine's form of a pattern is the matcher itself. */
    @Override
    public RequestMatcher matcher() {
        return this;
    }

    @Override
    protected RequestMatcher with(RequestMatcher narrower) {
        return narrower;
    }

    RequestMatcher plus(Criterion criterion) {
        List<Criterion> more = new ArrayList<>(criteria.size() + 1);
        more.addAll(criteria);
        more.add(criterion);
        return new RequestMatcher(more);
    }

    private <T extends Criterion> T first(Class<T> type) {
        for (Criterion criterion : criteria) {
            if (type.isInstance(criterion)) {
                return type.cast(criterion);
            }
        }
        return null;
    }

    /** Turns {@code https://*.example.test:8443/v1/**?page=2} into criteria. */
    static final class UrlPattern {

        private UrlPattern() {
        }

        static List<Criterion> parse(String url) {
            Objects.requireNonNull(url, "url");
            List<Criterion> criteria = new ArrayList<>();
            String rest = url.trim();
            int hash = rest.indexOf('#');
            if (hash >= 0) {
                rest = rest.substring(0, hash);
            }
            if (rest.startsWith("/") && !rest.startsWith("//")) {
                pathAndQuery(rest, criteria);
                return criteria;
            }
            int schemeEnd = rest.indexOf("://");
            if (schemeEnd >= 0) {
                String scheme = rest.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
                if (!scheme.equals("*")) {
                    if (!scheme.equals("http") && !scheme.equals("https")) {
                        throw new IllegalArgumentException("\"" + url + "\" has scheme " + scheme
                                + "; apptap's rules match http and https (or * for both)");
                    }
                    criteria.add(new SchemeIs(scheme));
                }
                rest = rest.substring(schemeEnd + 3);
            } else if (rest.startsWith("//")) {
                rest = rest.substring(2);
            }
            int authorityEnd = indexOfAny(rest, "/?");
            String authority = authorityEnd < 0 ? rest : rest.substring(0, authorityEnd);
            rest = authorityEnd < 0 ? "" : rest.substring(authorityEnd);
            if (authority.isEmpty()) {
                throw new IllegalArgumentException("\"" + url + "\" names no host; use * for any host");
            }
            String host = authority;
            String port = null;
            if (authority.startsWith("[")) {
                int close = authority.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException("\"" + url + "\" has an IPv6 host without its closing ]");
                }
                host = authority.substring(1, close);
                if (close + 1 < authority.length() && authority.charAt(close + 1) == ':') {
                    port = authority.substring(close + 2);
                }
            } else {
                int colon = authority.lastIndexOf(':');
                if (colon >= 0) {
                    host = authority.substring(0, colon);
                    port = authority.substring(colon + 1);
                }
            }
            if (!host.equals("*")) {
                criteria.add(new HostIs(host));
            }
            if (port != null && !port.equals("*")) {
                try {
                    criteria.add(new PortIs(Integer.parseInt(port)));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("\"" + url + "\" has port \"" + port + "\", not a number", e);
                }
            }
            pathAndQuery(rest, criteria);
            return criteria;
        }

        private static void pathAndQuery(String rest, List<Criterion> criteria) {
            int question = rest.indexOf('?');
            String path = question < 0 ? rest : rest.substring(0, question);
            criteria.add(PathIs.exactOrGlob(path.isEmpty() ? "/" : path));
            if (question >= 0) {
                for (Map.Entry<String, String> param : UrlEncoded.parse(rest.substring(question + 1))) {
                    criteria.add(new QueryParam(param.getKey(), TextTest.equalTo(param.getValue())));
                }
            }
        }

        private static int indexOfAny(String text, String chars) {
            for (int i = 0; i < text.length(); i++) {
                if (chars.indexOf(text.charAt(i)) >= 0) {
                    return i;
                }
            }
            return -1;
        }
    }
}
