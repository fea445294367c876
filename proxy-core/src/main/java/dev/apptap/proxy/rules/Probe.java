package dev.apptap.proxy.rules;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One request seen by the criteria of every rule in one decision: decoding the body, parsing it as JSON and
 * splitting the query happen at most once, however many rules look at them. Used by one thread.
 */
final class Probe {

    final RequestFacts facts;
    private String decodedPath;
    private List<Map.Entry<String, String>> query;
    private String bodyText;
    private boolean jsonParsed;
    private JsonNode json;

    Probe(RequestFacts facts) {
        this.facts = facts;
    }

    /** A probe whose body text is already known (a recorded flow decoded it), so the facts carry no body bytes. */
    Probe(RequestFacts facts, String bodyText) {
        this.facts = facts;
        this.bodyText = bodyText;
    }

    String decodedPath() {
        if (decodedPath == null) {
            decodedPath = facts.path().indexOf('%') < 0 ? facts.path() : percentDecode(facts.path(), false);
        }
        return decodedPath;
    }

    List<Map.Entry<String, String>> query() {
        if (query == null) {
            query = parseQuery(facts.rawQuery());
        }
        return query;
    }

    List<String> queryValues(String name) {
        List<String> values = new ArrayList<>(1);
        for (Map.Entry<String, String> param : query()) {
            if (param.getKey().equals(name)) {
                values.add(param.getValue());
            }
        }
        return values;
    }

    String bodyText() {
        if (bodyText == null) {
            bodyText = facts.bodyText();
        }
        return bodyText;
    }

    /** Null when the body is empty or not JSON. */
    JsonNode json() {
        if (!jsonParsed) {
            json = Json.tryParse(bodyText());
            jsonParsed = true;
        }
        return json;
    }

    static List<Map.Entry<String, String>> parseQuery(String rawQuery) {
        List<Map.Entry<String, String>> params = new ArrayList<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.add(Map.entry(percentDecode(name, true), percentDecode(value, true)));
        }
        return params;
    }

    /** Malformed escapes stay as they are: an app's odd query must not make matching throw. */
    static String percentDecode(String text, boolean plusIsSpace) {
        if (text.indexOf('%') < 0 && (!plusIsSpace || text.indexOf('+') < 0)) {
            return text;
        }
        try {
            String protectedPlus = plusIsSpace ? text : text.replace("+", "%2B");
            return URLDecoder.decode(protectedPlus, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return text;
        }
    }
}
