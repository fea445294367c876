package dev.apptap.assertions;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.util.Comparator;
import java.util.Optional;

/** Jackson stays behind this class, so that no Jackson type appears in the public API. */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    // 7 in a body and 7L in a test are the same number to a reader; JsonNode.equals would say otherwise.
    private static final Comparator<JsonNode> NUMBERS_BY_VALUE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

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

    static boolean sameValue(JsonNode node, Object expected) {
        return node.equals(NUMBERS_BY_VALUE, MAPPER.valueToTree(expected));
    }

    /** {@code "alice"}, {@code 7}, {@code {"a":1}}: how the value would look in the body. */
    static String render(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (Exception e) {
            return String.valueOf(value);
        }
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
