package dev.apptap.assertions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apptap.proxy.flow.HttpFlow;
import dev.apptap.proxy.flow.HttpRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The request an app should have made, for {@link FlowsAssert#hasRequest(RequestPattern)} and its siblings. Made
 * with {@link ApptapAssertions#request(String, String)}, {@link ApptapAssertions#get(String)} or
 * {@link ApptapAssertions#post(String)}, and narrowed with the {@code with…} methods; each returns a new pattern.
 *
 * <pre>{@code
 * assertThat(flows).hasRequest(post("https://api.example.test/v1/login")
 *         .withHeader("content-type", "application/json")
 *         .withJsonBody("/user", "alice"));
 * assertThat(flows).hasRequest(get("/v1/items").withQueryParam("page", "2")); // any host, path only
 * }</pre>
 *
 * <p>An absolute URL must match in origin, path and query (query parameters in any order); a URL that starts with
 * {@code /} matches the path only, and the query too when it has one. Header names compare without regard to case,
 * header values and everything else exactly.
 */
public final class RequestPattern {

    private final String method;
    private final String url;
    private final List<Criterion> criteria;

    RequestPattern(String method, String url) {
        this(Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT), Objects.requireNonNull(url, "url"),
             List.of());
        if (!url.startsWith("/")) {
            URI uri = parse(url);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("Expected an absolute URL (https://host/path) or a path (/path), "
                                                   + "but got \"" + url + "\".");
            }
        }
    }

    private RequestPattern(String method, String url, List<Criterion> criteria) {
        this.method = method;
        this.url = url;
        this.criteria = List.copyOf(criteria);
    }

    /** Also requires a header {@code name} (any case) with exactly {@code value} among its values. */
    public RequestPattern withHeader(String name, String value) {
        return with(new HeaderCriterion(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value")));
    }

    /** Also requires a query parameter {@code name} with {@code value} (both decoded) among its values. */
    public RequestPattern withQueryParam(String name, String value) {
        return with(new QueryParamCriterion(Objects.requireNonNull(name, "name"),
                                            Objects.requireNonNull(value, "value")));
    }

    /** Also requires the decoded request body, as text, to contain {@code text}. */
    public RequestPattern withBodyContaining(String text) {
        return with(new BodyCriterion(Objects.requireNonNull(text, "text")));
    }

    /**
     * Also requires the request body to be JSON with {@code value} at the JSON Pointer {@code pointer}
     * ({@code /user/name}, {@code /items/0}); numbers compare by value, maps and lists as JSON objects and arrays.
     */
    public RequestPattern withJsonBody(String pointer, Object value) {
        Json.checkPointer(Objects.requireNonNull(pointer, "pointer"));
        return with(new JsonCriterion(pointer, value));
    }

    /** {@code POST https://api.example.test/v1/login with header Content-Type: application/json}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(method).append(' ').append(url);
        for (int i = 0; i < criteria.size(); i++) {
            text.append(i == 0 ? " " : ", ").append(criteria.get(i).describe());
        }
        return text.toString();
    }

    // ---- for the asserts ----

    /** The expectation on several lines, every line after the first indented by {@code indent}. */
    String describe(String indent) {
        StringBuilder text = new StringBuilder(method).append(' ').append(url);
        for (Criterion criterion : criteria) {
            text.append(System.lineSeparator()).append(indent).append("  ").append(criterion.describe());
        }
        return text.toString();
    }

    boolean matches(HttpFlow flow) {
        return rows(flow).stream().allMatch(Row::matches);
    }

    /** Field by field, how {@code flow} compares with this pattern. */
    List<Row> rows(HttpFlow flow) {
        HttpRequest request = flow.request();
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("method", method, request.method(), method.equals(request.method()) ? 0 : 1, 3));
        String expectedQuery;
        if (url.startsWith("/")) {
            int q = url.indexOf('?');
            String path = q < 0 ? url : url.substring(0, q);
            expectedQuery = q < 0 ? null : url.substring(q + 1);
            rows.add(new Row("path", path, request.path(), Text.distance(path, request.path()), 6));
        } else {
            URI expected = parse(url);
            String origin = origin(expected);
            String actualOrigin = origin(parse(request.url()));
            rows.add(new Row("origin", origin, actualOrigin, Text.distance(origin, actualOrigin), 3));
            String path = expected.getRawPath() == null || expected.getRawPath().isEmpty() ? "/" : expected.getRawPath();
            rows.add(new Row("path", path, request.path(), Text.distance(path, request.path()), 6));
            expectedQuery = expected.getRawQuery() == null ? "" : expected.getRawQuery();
        }
        // An empty query on both sides is the common case; a row for it would only add noise to the diff.
        if (expectedQuery != null && !(expectedQuery.isEmpty() && request.query().isEmpty())) {
            boolean same = Params.sorted(expectedQuery).equals(Params.sorted(request.query()));
            rows.add(new Row("query", expectedQuery, request.query(),
                             same ? 0 : Math.max(0.05, Text.distance(expectedQuery, request.query())), 2));
        }
        for (Criterion criterion : criteria) {
            rows.add(criterion.row(flow));
        }
        return rows;
    }

    /** 0 for a match; the weighted mean of the fields' distances otherwise, as WireMock ranks near misses. */
    double distance(HttpFlow flow) {
        double sum = 0;
        double weights = 0;
        for (Row row : rows(flow)) {
            sum += row.distance() * row.weight();
            weights += row.weight();
        }
        return sum / weights;
    }

    private RequestPattern with(Criterion criterion) {
        List<Criterion> more = new ArrayList<>(criteria);
        more.add(criterion);
        return new RequestPattern(method, url, more);
    }

    private static URI parse(String url) {
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + url + "\" is not a valid URL: " + e.getMessage(), e);
        }
    }

    /** {@code https://api.example.test}, with the port only when it is not the scheme's default. */
    private static String origin(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort();
        boolean defaultPort = port < 0 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return scheme + "://" + host + (defaultPort ? "" : ":" + port);
    }

    /** One of the {@code with…} requirements. */
    private interface Criterion {
        String describe();

        Row row(HttpFlow flow);
    }

    private record HeaderCriterion(String name, String value) implements Criterion {
        public String describe() {
            return "with header " + name + ": " + value;
        }

        public Row row(HttpFlow flow) {
            return nearest("header " + name, value, flow.request().headers().all(name), 1);
        }
    }

    private record QueryParamCriterion(String name, String value) implements Criterion {
        public String describe() {
            return "with query parameter " + name + "=" + value;
        }

        public Row row(HttpFlow flow) {
            return nearest("query " + name, value, Params.values(flow.request().query(), name), 1);
        }
    }

    private record BodyCriterion(String text) implements Criterion {
        public String describe() {
            return "with body containing " + Lines.quote(text);
        }

        public Row row(HttpFlow flow) {
            String body = flow.request().body().text();
            return new Row("body", "…" + text + "…", Lines.abbreviate(body, 80), body.contains(text) ? 0 : 1, 1);
        }
    }

    private record JsonCriterion(String pointer, Object value) implements Criterion {
        public String describe() {
            return "with JSON body at " + pointer + ": " + Json.render(value);
        }

        public Row row(HttpFlow flow) {
            String label = "JSON " + pointer;
            String expected = Json.render(value);
            Optional<JsonNode> root = Json.parse(flow.request().body().text());
            if (root.isEmpty()) {
                return new Row(label, expected, "(the body is not JSON)", 1, 1);
            }
            Optional<JsonNode> node = Json.at(root.get(), pointer);
            if (node.isEmpty()) {
                return new Row(label, expected, "(absent)", 1, 1);
            }
            return new Row(label, expected, node.get().toString(), Json.sameValue(node.get(), value) ? 0 : 1, 1);
        }
    }

    private static Row nearest(String label, String expected, List<String> values, double weight) {
        if (values.isEmpty()) {
            return new Row(label, expected, "(absent)", 1, weight);
        }
        double best = 1;
        for (String value : values) {
            best = Math.min(best, Text.distance(expected, value));
        }
        return new Row(label, expected, String.join(", ", values), best, weight);
    }
}
