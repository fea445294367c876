package dev.apptap.proxy.rules;

import java.util.regex.Pattern;

/** Path globs: {@code *} stays within one segment, {@code **} crosses segments. */
final class Globs {

    private Globs() {
    }

    static boolean isGlob(String text) {
        return text.indexOf('*') >= 0;
    }

    /**
     * {@code /v1/**} also matches {@code /v1} and {@code /a/**}{@code /b} also matches {@code /a/b}: people write
     * "everything under /v1" and mean the collection itself too (Ant and Spring's path patterns agree).
     */
    static Pattern toPattern(String glob) {
        StringBuilder regex = new StringBuilder();
        int i = 0;
        while (i < glob.length()) {
            char c = glob.charAt(i);
            if (glob.startsWith("/**", i) && i + 3 == glob.length()) {
                regex.append("(?:/.*)?");
                i += 3;
            } else if (glob.startsWith("/**/", i)) {
                regex.append("/(?:.*/)?");
                i += 4;
            } else if (glob.startsWith("**", i)) {
                regex.append(".*");
                i += 2;
            } else if (c == '*') {
                regex.append("[^/]*");
                i++;
            } else {
                if (!Character.isLetterOrDigit(c) && c < 128) {
                    regex.append('\\');
                }
                regex.append(c);
                i++;
            }
        }
        return Pattern.compile(regex.toString());
    }
}
