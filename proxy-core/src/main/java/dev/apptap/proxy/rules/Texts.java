package dev.apptap.proxy.rules;

/** Small text helpers for descriptions and explanations. */
final class Texts {

    private static final int MAX = 80;

    private Texts() {
    }

    /** One line, at most 80 characters, so a near-miss explanation stays readable next to a 1 MiB body. */
    static String abbreviate(String text) {
        String line = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
        return line.length() <= MAX ? line : line.substring(0, MAX - 1) + "…";
    }

    static String quote(String text) {
        return "\"" + abbreviate(text) + "\"";
    }
}
