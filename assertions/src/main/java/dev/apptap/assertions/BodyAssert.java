package dev.apptap.assertions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apptap.flow.UrlEncoded;
import dev.apptap.flow.Body;
import dev.apptap.flow.Flow;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.AbstractByteArrayAssert;
import org.assertj.core.api.AbstractObjectAssert;
import org.assertj.core.api.AbstractStringAssert;
import org.assertj.core.api.Assertions;

/**
 * Assertions on a recorded body, decoded from its content encoding. Reached through
 * {@link FlowAssert#requestBody()} and {@link FlowAssert#responseBody()}.
 *
 * <pre>{@code
 * assertThat(flow).requestBody().isJson().jsonAt("/user/name").isEqualTo("alice");
 * assertThat(flow).requestBody().hasFormField("grant_type", "password");
 * assertThat(flow).responseBody().contains("\"ok\":true");
 * assertThat(flow).responseBody().asBytes().startsWith(0x89, 'P', 'N', 'G');
 * }</pre>
 *
 * <p>A body longer than the recording limit holds only its first bytes ({@link Body#isTruncated()}); text checks
 * see that prefix.
 */
public class BodyAssert extends AbstractAssert<BodyAssert, Body> {

    private final String what;
    private final Flow flow;

    /** Asserts on {@code body} outside any flow; public for AssertJ's soft assertion proxies. */
    public BodyAssert(Body body) {
        this(body, "body", null);
    }

    BodyAssert(Body body, String what, Flow flow) {
        super(body, BodyAssert.class);
        this.what = what;
        this.flow = flow;
    }

    /** The body, as text, is {@code expected}. */
    public BodyAssert hasText(String expected) {
        Objects.requireNonNull(expected, "expected");
        isNotNull();
        String text = actual.text();
        if (!text.equals(expected)) {
            throw failureWithActualExpected(text, expected, "%nExpecting %s%nto be:%n  %s%nbut was:%n  %s",
                                            subject(), Lines.quote(expected), Lines.quote(text));
        }
        return myself;
    }

    /** With a {@code String}, the same as {@link #hasText(String)}; with a {@code byte[]}, compares decoded bytes. */
    @Override
    public BodyAssert isEqualTo(Object expected) {
        if (expected instanceof String text) {
            return hasText(text);
        }
        if (expected instanceof byte[] bytes) {
            isNotNull();
            asBytes().isEqualTo(bytes);
            return myself;
        }
        return super.isEqualTo(expected);
    }

    /** The body, as text, contains every one of {@code values}. */
    public BodyAssert contains(String... values) {
        isNotNull();
        String text = actual.text();
        List<String> missing = Arrays.stream(values).filter(v -> !text.contains(v)).toList();
        if (!missing.isEmpty()) {
            throw failure("%nExpecting %s%nto contain:%n  %s%nbut %s not found in:%n  %s", subject(),
                          missing.stream().map(Lines::quote).toList(), missing.size() == 1 ? "it was" : "they were",
                          Lines.quote(text));
        }
        return myself;
    }

    /** No bytes travelled. */
    public BodyAssert isEmpty() {
        isNotNull();
        if (!actual.isEmpty()) {
            throw failure("%nExpecting %s%nto be empty, but it had %s:%n  %s", subject(),
                          Lines.count((int) Math.min(Integer.MAX_VALUE, actual.size()), "byte"),
                          Lines.quote(Lines.abbreviate(actual.text(), 200)));
        }
        return myself;
    }

    /** String assertions on the body's text. */
    public AbstractStringAssert<?> asText() {
        isNotNull();
        return Assertions.assertThat(actual.text()).as(describedAs());
    }

    /** Byte array assertions on the decoded bytes. */
    public AbstractByteArrayAssert<?> asBytes() {
        isNotNull();
        return Assertions.assertThat(actual.bytes()).as(describedAs());
    }

    /** The body is well-formed JSON. */
    public BodyAssert isJson() {
        json();
        return myself;
    }

    /**
     * Assertions on the JSON value at {@code pointer} ({@code /user/name}, {@code /items/0}), as a plain Java value:
     * a {@code String}, a number, a {@code Boolean}, {@code null}, a {@code Map} or a {@code List}.
     */
    public AbstractObjectAssert<?, Object> jsonAt(String pointer) {
        Objects.requireNonNull(pointer, "pointer");
        Json.checkPointer(pointer);
        JsonNode root = json();
        Optional<JsonNode> node = Json.at(root, pointer);
        if (node.isEmpty()) {
            throw failure("%nExpecting %s%nto have a JSON value at:%n  %s%nbut it had none in:%n  %s", subject(),
                          pointer, Lines.abbreviate(root.toString(), 500));
        }
        return Assertions.assertThat(Json.toJava(node.get())).as("JSON at %s of %s", pointer, describedAs());
    }

    /** The body, as application/x-www-form-urlencoded, has field {@code name} with {@code value} among its values. */
    public BodyAssert hasFormField(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        isNotNull();
        List<Map.Entry<String, String>> fields = UrlEncoded.parse(actual.text().strip());
        List<String> values = fields.stream().filter(e -> e.getKey().equals(name)).map(Map.Entry::getValue).toList();
        if (!values.contains(value)) {
            throw failure("%nExpecting %s%nto have form field %s with value:%n  %s%nbut %s%nForm fields: %s",
                          subject(), Lines.quote(name), Lines.quote(value),
                          values.isEmpty() ? "it had no such field." : "it had " + values.stream().map(Lines::quote).toList() + ".",
                          fields.stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        }
        return myself;
    }

    private JsonNode json() {
        isNotNull();
        String text = actual.text();
        Optional<JsonNode> root = Json.parse(text);
        if (root.isEmpty()) {
            throw failure("%nExpecting %s%nto be JSON, but %s:%n  %s", subject(), Json.parseProblem(text),
                          Lines.quote(Lines.abbreviate(text, 500)));
        }
        return root.get();
    }

    /** {@code request body of flow:\n  #1 curl POST …}: what the body belongs to, for the message's first lines. */
    private String subject() {
        String n = System.lineSeparator();
        return flow == null ? what + ":" + n + "  " + actual : what + ":" + n + "  " + Lines.line(flow);
    }

    private String describedAs() {
        return flow == null ? what : what + " #" + flow.id();
    }
}
