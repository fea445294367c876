package dev.apptap.cli;

import java.net.URI;
import java.util.Locale;

/** Host names out of the URLs and authorities users type. */
final class Urls {

    private Urls() {
    }

    /** The host of {@code url}, lower case, or an empty string for patterns such as {@code https://*.example.test/**}. */
    static String host(String url) {
        try {
            String host = URI.create(url.replace("*", "x")).getHost();
            return host == null || url.contains("*") ? "" : unbracket(host).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
