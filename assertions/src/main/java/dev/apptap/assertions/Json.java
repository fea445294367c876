package dev.apptap.assertions;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.util.Optional;

/**
 * Reading bodies as JSON for {@link BodyAssert}; Jackson stays behind this class, so that no Jackson type appears in
 * the public API. (Request patterns compare JSON in proxy-core's rules, the one place requests are matched.)
 */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** The parsed text, or empty when it is not JSON. */
    static Optional<JsonNode> parse(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            return node == null || node.isMissingNode() ? Optional.empty() : Optional.of(node);
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    static String parseProblem(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            return node == null || node.isMissingNode() ? "the body is empty" : "";
        } catch (Exception e) {
            return e.getMessage().lines().findFirst().orElse(e.toString());
        }
    }

    /** The value at {@code pointer} ({@code /user/name}, {@code /items/0}), or empty when there is none. */
    static Optional<JsonNode> at(JsonNode root, String pointer) {
        JsonNode node = root.at(JsonPointer.compile(pointer));
        return node.isMissingNode() ? Optional.empty() : Optional.of(node);
    }

    /** Fails fast on a malformed pointer, before any flow is looked at. */
    static void checkPointer(String pointer) {
        JsonPointer.compile(pointer);
    }

    /** Strings, numbers, booleans, null, maps and lists: plain Java values that AssertJ compares well. */
    static Object toJava(JsonNode node) {
        if (node.getNodeType() == JsonNodeType.NULL) {
            return null;
        }
        try {
            return MAPPER.treeToValue(node, Object.class);
        } catch (Exception e) {
            throw new IllegalStateException("Could not convert " + node + " to a Java value.", e);
        }
    }
}
