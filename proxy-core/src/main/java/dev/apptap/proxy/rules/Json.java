package dev.apptap.proxy.rules;

import java.util.Comparator;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The one ObjectMapper of the rules package, and JSON equality that ignores how numbers were written. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();

    // 1, 1.0 and 1e0 are the same JSON value to any client; Jackson's node types would tell them apart.
    private static final Comparator<JsonNode> SAME_VALUE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    private Json() {
    }

    /** @throws IllegalArgumentException naming {@code what} when {@code json} is not JSON */
    static JsonNode parse(String json, String what) {
        try {
            JsonNode node = MAPPER.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw new IllegalArgumentException(what + " is empty, not JSON");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + " is not JSON: " + e.getOriginalMessage() + " in "
                    + Texts.abbreviate(json), e);
        }
    }

    /** The request body as JSON, or null when it is empty or not JSON (a body that fails to parse simply does not match). */
    static JsonNode tryParse(String text) {
        if (text.isBlank()) {
            return null;
        }
        try {
            JsonNode node = MAPPER.readTree(text);
            return node == null || node.isMissingNode() ? null : node;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    static boolean sameValue(JsonNode expected, JsonNode actual) {
        return actual != null && expected.equals(SAME_VALUE, actual);
    }

    /**
     * Whether {@code actual} holds {@code expected} leniently: objects may have more fields (at any depth), arrays
     * the same elements in any order; numbers compare by value, everything else exactly.
     */
    static boolean holds(JsonNode expected, JsonNode actual) {
        if (actual == null) {
            return false;
        }
        if (expected.isObject()) {
            if (!actual.isObject()) {
                return false;
            }
            for (Map.Entry<String, JsonNode> field : expected.properties()) {
                if (!holds(field.getValue(), actual.get(field.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (expected.isArray()) {
            return actual.isArray() && actual.size() == expected.size() && holdsInAnyOrder(expected, actual);
        }
        return sameValue(expected, actual);
    }

    /** Each expected element takes the first unused actual element that holds it. */
    private static boolean holdsInAnyOrder(JsonNode expected, JsonNode actual) {
        boolean[] used = new boolean[actual.size()];
        for (JsonNode wanted : expected) {
            boolean found = false;
            for (int i = 0; i < used.length && !found; i++) {
                if (!used[i] && holds(wanted, actual.get(i))) {
                    used[i] = true;
                    found = true;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    static JsonNode toNode(Object value) {
        if (value instanceof JsonNode node) {
            return node;
        }
        return MAPPER.valueToTree(value);
    }

    static byte[] serialize(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize " + value.getClass().getName() + " to JSON: "
                    + e.getOriginalMessage(), e);
        }
    }
}
