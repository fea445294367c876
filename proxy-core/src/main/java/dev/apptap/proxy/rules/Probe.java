package dev.apptap.proxy.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.apptap.flow.UrlEncoded;

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
            decodedPath = facts.path().indexOf('%') < 0 ? facts.path() : UrlEncoded.decode(facts.path(), false);
        }
        return decodedPath;
    }

    List<Map.Entry<String, String>> query() {
        if (query == null) {
            query = UrlEncoded.parse(facts.rawQuery());
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
}
