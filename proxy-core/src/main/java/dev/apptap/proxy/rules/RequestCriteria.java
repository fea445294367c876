package dev.apptap.proxy.rules;

import java.util.Objects;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;

import dev.apptap.proxy.rules.Criterion.BodyText;
import dev.apptap.proxy.rules.Criterion.Header;
import dev.apptap.proxy.rules.Criterion.HostIs;
import dev.apptap.proxy.rules.Criterion.JsonBody;
import dev.apptap.proxy.rules.Criterion.JsonPathIs;
import dev.apptap.proxy.rules.Criterion.JsonPointerIs;
import dev.apptap.proxy.rules.Criterion.MethodIs;
import dev.apptap.proxy.rules.Criterion.PathIs;
import dev.apptap.proxy.rules.Criterion.PortIs;
import dev.apptap.proxy.rules.Criterion.QueryParam;
import dev.apptap.proxy.rules.Criterion.SchemeIs;
import dev.apptap.proxy.rules.Criterion.TextTest;

/**
 * The {@code with…} vocabulary of a request pattern, written once for the engine's {@link RequestMatcher} and the
 * tests' {@code dev.apptap.assertions.RequestPattern}: every method adds one criterion and returns a new pattern of
 * the same type ({@code SELF}), as AssertJ's self-typed asserts do. See {@link RequestMatcher} for how URLs and
 * values are compared.
 *
 * <pre>{@code
 * post("https://api.example.test/v1/login")
 *         .withHeader("Content-Type", "application/json")
 *         .withJsonBodyLenient("{\"user\":\"ann\"}")
 *         .withJsonPath("$.device.id", "d-7")
 * }</pre>
 *
 * @param <SELF> the pattern type the methods return
 */
public abstract class RequestCriteria<SELF extends RequestCriteria<SELF>> {

    protected RequestCriteria() {
    }

    /** The engine's matcher for this pattern: the criteria the engine and the assertions evaluate. */
    public abstract RequestMatcher matcher();

    /** A pattern of this type for {@code narrower}, which is this pattern's matcher with one more criterion. */
    protected abstract SELF with(RequestMatcher narrower);

    public SELF withMethod(String method) {
        return narrowed(new MethodIs(Objects.requireNonNull(method, "method")));
    }

    /** {@code http} or {@code https}. */
    public SELF withScheme(String scheme) {
        return narrowed(new SchemeIs(Objects.requireNonNull(scheme, "scheme")));
    }

    /** An exact host, or {@code *.example.test} for every name below example.test. */
    public SELF withHost(String host) {
        return narrowed(new HostIs(Objects.requireNonNull(host, "host")));
    }

    public SELF withPort(int port) {
        return narrowed(new PortIs(port));
    }

    /** An exact path, or a glob when it holds {@code *} ({@code /v1/*}, {@code /v1/**}). */
    public SELF withPath(String pathOrGlob) {
        return narrowed(PathIs.exactOrGlob(Objects.requireNonNull(pathOrGlob, "pathOrGlob")));
    }

    /** A regex the whole path must match, e.g. {@code /v1/items/\d+}. */
    public SELF withPathMatching(String regex) {
        return narrowed(PathIs.regex(regex));
    }

    /** The query holds this parameter, with any value. */
    public SELF withQueryParam(String name) {
        return narrowed(new QueryParam(name, TextTest.present()));
    }

    /** The query holds this parameter with this (percent-decoded) value; other parameters may be present too. */
    public SELF withQueryParam(String name, String value) {
        return narrowed(new QueryParam(name, TextTest.equalTo(value)));
    }

    public SELF withQueryParamMatching(String name, String regex) {
        return narrowed(new QueryParam(name, TextTest.matching(regex)));
    }

    /** The header is present, with any value. */
    public SELF withHeader(String name) {
        return narrowed(new Header(name, TextTest.present()));
    }

    /** The header (name in any case) has exactly this value; with repeated headers one of them must. */
    public SELF withHeader(String name, String value) {
        return narrowed(new Header(name, TextTest.equalTo(value)));
    }

    public SELF withHeaderContaining(String name, String text) {
        return narrowed(new Header(name, TextTest.containing(text)));
    }

    public SELF withHeaderMatching(String name, String regex) {
        return narrowed(new Header(name, TextTest.matching(regex)));
    }

    /** The body, as text, is exactly this. */
    public SELF withBody(String text) {
        return narrowed(new BodyText(TextTest.equalTo(text)));
    }

    public SELF withBodyContaining(String text) {
        return narrowed(new BodyText(TextTest.containing(text)));
    }

    /** A regex the whole body must match; start it with {@code (?s)} to let {@code .} cross lines. */
    public SELF withBodyMatching(String regex) {
        return narrowed(new BodyText(TextTest.matching(regex)));
    }

    /**
     * The body is this JSON value: key order, whitespace and number notation aside; array order and every field
     * count. A String is parsed as JSON; a {@link JsonNode}, Map, List or any object Jackson serializes is taken
     * as its JSON tree.
     *
     * @throws IllegalArgumentException if a String {@code json} is not JSON
     */
    public SELF withJsonBody(Object json) {
        return narrowed(new JsonBody(expectedJson(json), false));
    }

    /**
     * The body is JSON that holds {@code json}: it may have more fields than {@code json} names, at any depth, and
     * its arrays may list the same elements in another order (WireMock's {@code ignoreExtraElements} and
     * {@code ignoreArrayOrder}). Takes the same values as {@link #withJsonBody(Object)}.
     *
     * @throws IllegalArgumentException if a String {@code json} is not JSON
     */
    public SELF withJsonBodyLenient(Object json) {
        return narrowed(new JsonBody(expectedJson(json), true));
    }

    /**
     * The body is JSON and the value at this JSON Pointer ({@code /user/name}, {@code /items/0/id}) equals
     * {@code expected}: a string compares with a JSON string, a number with a number by value, a Map, List or any
     * other object with its Jackson tree.
     *
     * @throws IllegalArgumentException if {@code pointer} is not a JSON pointer
     */
    public SELF withJsonPointer(String pointer, Object expected) {
        Objects.requireNonNull(pointer, "pointer");
        try {
            return narrowed(new JsonPointerIs(JsonPointer.compile(pointer), Json.toNode(expected)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + pointer + "\" is not a JSON Pointer (" + e.getMessage()
                    + "); write it like /user/name or /items/0", e);
        }
    }

    /**
     * The body is JSON in which this JSONPath ({@code $.user.name}, {@code $.items[?(@.price > 10)]}) finds
     * something.
     *
     * @throws IllegalArgumentException if {@code path} is not a JSONPath
     */
    public SELF withJsonPath(String path) {
        return narrowed(new JsonPathIs(JsonPaths.compile(Objects.requireNonNull(path, "path")), null));
    }

    /**
     * The body is JSON in which this JSONPath finds {@code expected}: the value a definite path
     * ({@code $.user.name}, {@code $.items[0].id}) leads to equals it, or for a path with wildcards or filters
     * ({@code $.items[*].id}) one of the values it finds does. Values compare as in
     * {@link #withJsonPointer(String, Object)}.
     *
     * @throws IllegalArgumentException if {@code path} is not a JSONPath
     */
    public SELF withJsonPath(String path, Object expected) {
        return narrowed(new JsonPathIs(JsonPaths.compile(Objects.requireNonNull(path, "path")), Json.toNode(expected)));
    }

    /** Both this and {@code other} must match. */
    public SELF and(SELF other) {
        return with(matcher().plusAll(other.matcher()));
    }

    private SELF narrowed(Criterion criterion) {
        return with(matcher().plus(criterion));
    }

    private static JsonNode expectedJson(Object json) {
        return json instanceof String text ? Json.parse(text, "the expected JSON body") : Json.toNode(json);
    }
}
