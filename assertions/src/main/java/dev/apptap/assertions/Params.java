package dev.apptap.assertions;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code a=1&b=x%20y}, as found in query strings and in application/x-www-form-urlencoded bodies. */
final class Params {

    private Params() {
    }

    static List<Map.Entry<String, String>> parse(String encoded) {
        List<Map.Entry<String, String>> params = new ArrayList<>();
        if (encoded.isEmpty()) {
            return params;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.add(Map.entry(decode(name), decode(value)));
        }
        return params;
    }

    static List<String> values(String encoded, String name) {
        return parse(encoded).stream().filter(e -> e.getKey().equals(name)).map(Map.Entry::getValue).toList();
    }

    /** Order does not matter to servers, so it does not matter here either. */
    static List<String> sorted(String encoded) {
        return parse(encoded).stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toList();
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return text;
        }
    }
}
