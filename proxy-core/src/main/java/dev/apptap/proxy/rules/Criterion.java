package dev.apptap.proxy.rules;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One condition of a {@link RequestMatcher}. Each knows how to test a request, what it expected and what the
 * request had instead, so near misses can be explained field by field.
 */
sealed interface Criterion {

    /** The field this criterion looks at, for explanations: {@code method}, {@code header Accept}. */
    String field();

    /** What this criterion wants, as a fragment of a sentence: {@code POST}, {@code "json"}, {@code containing "json"}. */
    String expected();

    /** The criterion as a phrase for descriptions: {@code header Accept = "json"}, {@code body containing "x"}. */
    default String condition() {
        return field() + " " + expected();
    }

    /** What the request had in that field, for explanations. */
    String actual(Probe request);

    boolean test(Probe request);

    default boolean needsBody() {
        return false;
    }

    /** How much a mismatch here counts when ranking near misses: another host is farther than another header. */
    default int weight() {
        return 1;
    }

    /**
     * How far the request is from passing this criterion: 0 when it passes, up to 1 when nothing is alike; a typo
     * counts less than another value.
     */
    default double distance(Probe request) {
        return test(request) ? 0 : 1;
    }

    record MethodIs(String method) implements Criterion {
        public MethodIs {
            method = method.toUpperCase(Locale.ROOT);
        }

        public String field() {
            return "method";
        }

        public String expected() {
            return method;
        }

        public String actual(Probe request) {
            return request.facts.method();
        }

        public boolean test(Probe request) {
            return method.equalsIgnoreCase(request.facts.method());
        }

        public int weight() {
            return 2;
        }
    }

    record SchemeIs(String scheme) implements Criterion {
        public SchemeIs {
            scheme = scheme.toLowerCase(Locale.ROOT);
        }

        public String field() {
            return "scheme";
        }

        public String expected() {
            return scheme;
        }

        public String actual(Probe request) {
            return request.facts.scheme();
        }

        public boolean test(Probe request) {
            return scheme.equals(request.facts.scheme());
        }
    }

    /** An exact host, {@code *.example.test} for any name below example.test (not example.test itself), or {@code *}. */
    record HostIs(String pattern) implements Criterion {
        public HostIs {
            pattern = RequestFacts.normalizeHost(pattern);
        }

        boolean matchesHost(String host) {
            String h = RequestFacts.normalizeHost(host);
            if (pattern.equals("*")) {
                return true;
            }
            if (pattern.startsWith("*.")) {
                return h.endsWith(pattern.substring(1)) && h.length() > pattern.length() - 1;
            }
            return pattern.equals(h);
        }

        public String field() {
            return "host";
        }

        public String expected() {
            return pattern;
        }

        public String actual(Probe request) {
            return request.facts.host();
        }

        public boolean test(Probe request) {
            return matchesHost(request.facts.host());
        }

        public int weight() {
            return 4;
        }
    }

    record PortIs(int port) implements Criterion {
        public String field() {
            return "port";
        }

        public String expected() {
            return Integer.toString(port);
        }

        public String actual(Probe request) {
            return Integer.toString(request.facts.port());
        }

        public boolean test(Probe request) {
            return port == request.facts.port();
        }
    }

    /** The path as sent or percent-decoded may match, so {@code /a b} and {@code /a%20b} both find {@code /a%20b}. */
    record PathIs(Kind kind, String source, Pattern pattern) implements Criterion {
        enum Kind { EXACT, GLOB, REGEX }

        static PathIs exactOrGlob(String path) {
            String p = path.isEmpty() ? "/" : path;
            return Globs.isGlob(p) ? new PathIs(Kind.GLOB, p, Globs.toPattern(p)) : new PathIs(Kind.EXACT, p, null);
        }

        static PathIs regex(String regex) {
            return new PathIs(Kind.REGEX, regex, Pattern.compile(regex));
        }

        public String field() {
            return "path";
        }

        public String expected() {
            return switch (kind) {
                case EXACT -> source;
                case GLOB -> source + " (glob)";
                case REGEX -> "matching /" + source + "/";
            };
        }

        public String actual(Probe request) {
            return request.facts.path();
        }

        public boolean test(Probe request) {
            return testPath(request.facts.path()) || testPath(request.decodedPath());
        }

        private boolean testPath(String path) {
            return kind == Kind.EXACT ? source.equals(path) : pattern.matcher(path).matches();
        }

        public double distance(Probe request) {
            if (test(request)) {
                return 0;
            }
            return kind == Kind.REGEX ? 1 : Math.max(0.05, Texts.distance(source, request.decodedPath()));
        }

        public int weight() {
            return 3;
        }
    }

    /** A query parameter, compared after percent-decoding; any one of repeated values may match. */
    record QueryParam(String name, TextTest value) implements Criterion {
        public String field() {
            return "query param " + name;
        }

        public String expected() {
            return value.describe();
        }

        public String condition() {
            return field() + " " + value.phrase();
        }

        public String actual(Probe request) {
            return valuesOrAbsent(request.queryValues(name));
        }

        public boolean test(Probe request) {
            return value.testAny(request.queryValues(name));
        }

        public double distance(Probe request) {
            return value.distance(request.queryValues(name));
        }
    }

    /** A header, name compared without case; any one of repeated values may match. */
    record Header(String name, TextTest value) implements Criterion {
        public String field() {
            return "header " + name;
        }

        public String expected() {
            return value.describe();
        }

        public String condition() {
            return field() + " " + value.phrase();
        }

        public String actual(Probe request) {
            return valuesOrAbsent(request.facts.headerValues(name));
        }

        public boolean test(Probe request) {
            return value.testAny(request.facts.headerValues(name));
        }

        public double distance(Probe request) {
            return value.distance(request.facts.headerValues(name));
        }
    }

    record BodyText(TextTest text) implements Criterion {
        public String field() {
            return "body";
        }

        public String expected() {
            return text.describe();
        }

        public String condition() {
            return field() + " " + text.phrase();
        }

        public String actual(Probe request) {
            String body = request.bodyText();
            return body.isEmpty() ? "empty" : Texts.quote(body);
        }

        public boolean test(Probe request) {
            return text.test(request.bodyText());
        }

        public double distance(Probe request) {
            return text.distance(List.of(request.bodyText()));
        }

        public boolean needsBody() {
            return true;
        }
    }

    /**
     * Same JSON value: key order, whitespace and how numbers are written do not count; array order does. Lenient:
     * the body may also have fields the expected value lacks, at any depth, and arrays may list their elements in
     * another order.
     */
    record JsonBody(JsonNode json, boolean lenient) implements Criterion {
        public String field() {
            return "JSON body";
        }

        public String expected() {
            return (lenient ? "holding " : "equal to ") + Texts.abbreviate(json.toString());
        }

        public String actual(Probe request) {
            JsonNode actual = request.json();
            if (actual != null) {
                return Texts.abbreviate(actual.toString());
            }
            return request.bodyText().isEmpty() ? "empty" : "not JSON: " + Texts.quote(request.bodyText());
        }

        public boolean test(Probe request) {
            return lenient ? Json.holds(json, request.json()) : Json.sameValue(json, request.json());
        }

        public boolean needsBody() {
            return true;
        }
    }

    record JsonPointerIs(JsonPointer pointer, JsonNode value) implements Criterion {
        public String field() {
            return "JSON " + pointer;
        }

        public String expected() {
            return Texts.abbreviate(value.toString());
        }

        public String condition() {
            return field() + " = " + expected();
        }

        public String actual(Probe request) {
            JsonNode root = request.json();
            if (root == null) {
                return request.bodyText().isEmpty() ? "empty body" : "body not JSON";
            }
            JsonNode found = root.at(pointer);
            return found.isMissingNode() ? "absent" : Texts.abbreviate(found.toString());
        }

        public boolean test(Probe request) {
            JsonNode root = request.json();
            return root != null && Json.sameValue(value, root.at(pointer));
        }

        public boolean needsBody() {
            return true;
        }
    }

    /**
     * A JSONPath finds something in the body; with a value, one of the values it finds equals it (a definite path
     * finds at most one).
     */
    record JsonPathIs(JsonPaths path, JsonNode value) implements Criterion {
        public String field() {
            return "JSON " + path.source();
        }

        public String expected() {
            return value == null ? "present" : Texts.abbreviate(value.toString());
        }

        public String condition() {
            return field() + (value == null ? " present" : " = " + expected());
        }

        public String actual(Probe request) {
            JsonNode root = request.json();
            if (root == null) {
                return request.bodyText().isEmpty() ? "empty body" : "body not JSON";
            }
            List<JsonNode> found = path.find(root);
            if (found.isEmpty()) {
                return "absent";
            }
            return Texts.abbreviate(found.size() == 1 ? found.get(0).toString() : found.toString());
        }

        public boolean test(Probe request) {
            JsonNode root = request.json();
            if (root == null) {
                return false;
            }
            List<JsonNode> found = path.find(root);
            if (value == null) {
                return !found.isEmpty();
            }
            for (JsonNode node : found) {
                if (Json.sameValue(value, node)) {
                    return true;
                }
            }
            return false;
        }

        public boolean needsBody() {
            return true;
        }
    }

    private static String valuesOrAbsent(List<String> values) {
        if (values.isEmpty()) {
            return "absent";
        }
        StringBuilder text = new StringBuilder();
        for (String value : values) {
            text.append(text.length() == 0 ? "" : ", ").append(Texts.quote(value));
        }
        return text.toString();
    }

    /** A test on one text value (header, query parameter, body). Regexes must match the whole value. */
    record TextTest(Kind kind, String text, Pattern pattern) {
        enum Kind { PRESENT, EQUALS, CONTAINS, MATCHES }

        static TextTest present() {
            return new TextTest(Kind.PRESENT, "", null);
        }

        static TextTest equalTo(String text) {
            return new TextTest(Kind.EQUALS, text, null);
        }

        static TextTest containing(String text) {
            return new TextTest(Kind.CONTAINS, text, null);
        }

        static TextTest matching(String regex) {
            return new TextTest(Kind.MATCHES, regex, Pattern.compile(regex));
        }

        boolean test(String value) {
            return switch (kind) {
                case PRESENT -> true;
                case EQUALS -> text.equals(value);
                case CONTAINS -> value.contains(text);
                case MATCHES -> pattern.matcher(value).matches();
            };
        }

        boolean testAny(List<String> values) {
            for (String value : values) {
                if (test(value)) {
                    return true;
                }
            }
            return false;
        }

        /** 0 when one of the values passes; for equality, the edit distance to the nearest value; else 1. */
        double distance(List<String> values) {
            if (testAny(values)) {
                return 0;
            }
            double nearest = 1;
            if (kind == Kind.EQUALS) {
                for (String value : values) {
                    nearest = Math.min(nearest, Texts.distance(text, value));
                }
            }
            return nearest;
        }

        /** What the test wants: {@code "json"}, {@code containing "json"}. */
        String describe() {
            return switch (kind) {
                case PRESENT -> "present";
                case EQUALS -> Texts.quote(text);
                case CONTAINS -> "containing " + Texts.quote(text);
                case MATCHES -> "matching /" + text + "/";
            };
        }

        /** As part of a condition: {@code = "json"}, {@code containing "json"}. */
        String phrase() {
            return kind == Kind.EQUALS ? "= " + describe() : describe();
        }
    }
}
