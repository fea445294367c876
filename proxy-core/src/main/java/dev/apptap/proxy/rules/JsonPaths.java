package dev.apptap.proxy.rules;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;

/**
 * JSONPath ({@code $.user.name}, {@code $.items[?(@.id == 7)]}) through Jayway JsonPath, on the Jackson tree the
 * probe already parsed. Jayway's types stay in this class, so that the library can be shaded.
 */
final class JsonPaths {

    // SUPPRESS_EXCEPTIONS: a path that leads nowhere in an app's body means "absent", never an error.
    private static final Configuration ON_JACKSON = Configuration.builder()
            .jsonProvider(new JacksonJsonNodeJsonProvider(Json.MAPPER))
            .mappingProvider(new JacksonMappingProvider(Json.MAPPER))
            .options(Option.SUPPRESS_EXCEPTIONS)
            .build();

    private final String source;
    private final JsonPath path;

    private JsonPaths(String source, JsonPath path) {
        this.source = source;
        this.path = path;
    }

    /** @throws IllegalArgumentException naming the path and what is wrong with it */
    static JsonPaths compile(String path) {
        try {
            return new JsonPaths(path, JsonPath.compile(path));
        } catch (InvalidPathException | IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + path + "\" is not a JSONPath (" + e.getMessage()
                    + "); write it like $.user.name or $.items[?(@.id == 7)]", e);
        }
    }

    String source() {
        return source;
    }

    /**
     * What the path finds in {@code root}: one value for a definite path ({@code $.a.b}, {@code $.items[0]}), every
     * match for one with wildcards, filters or deep scans; empty when it finds nothing.
     */
    List<JsonNode> find(JsonNode root) {
        Object found = path.read(root, ON_JACKSON);
        if (found == null) {
            return List.of();
        }
        JsonNode node = (JsonNode) found;
        if (path.isDefinite()) {
            return List.of(node);
        }
        List<JsonNode> all = new ArrayList<>(node.size());
        node.forEach(all::add);
        return all;
    }
}
