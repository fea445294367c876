package dev.apptap.flow;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code a=1&b=x%20y}, as found in query strings and in {@code application/x-www-form-urlencoded} bodies: the one
 * parser that stubs, assertions and the flow model share, so that a parameter means the same to all of them.
 *
 * <pre>{@code
 * UrlEncoded.parse("q=caf%C3%A9&page=2&flag")   // [q=café, page=2, flag=]
 * UrlEncoded.values("tag=a&tag=b", "tag")      // [a, b]
 * }</pre>
 */
public final class UrlEncoded {

    private UrlEncoded() {
    }

    /** The name-value pairs in the order written, decoded ({@code +} is a space); a name without {@code =} has an empty value. */
    public static List<Map.Entry<String, String>> parse(String encoded) {
        List<Map.Entry<String, String>> params = new ArrayList<>();
        if (encoded == null || encoded.isEmpty()) {
            return params;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.add(Map.entry(decode(name, true), decode(value, true)));
        }
        return params;
    }

    /** The values of every parameter called {@code name}, in the order written. */
    public static List<String> values(String encoded, String name) {
        List<String> values = new ArrayList<>(1);
        for (Map.Entry<String, String> param : parse(encoded)) {
            if (param.getKey().equals(name)) {
                values.add(param.getValue());
            }
        }
        return values;
    }

    /**
     * {@code text} with its {@code %XX} escapes decoded as UTF-8, and {@code +} as a space when
     * {@code plusIsSpace} (queries and forms, not paths). Malformed escapes stay as they are: an app's odd query must
     * not make matching throw.
     */
    public static String decode(String text, boolean plusIsSpace) {
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
