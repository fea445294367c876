package dev.apptap.cli;

/** Messages from picocli and the JDK are fragments; users get sentences. */
final class Sentences {

    private Sentences() {
    }

    static String sentence(String text) {
        String s = text == null ? "" : text.strip();
        if (s.isEmpty()) {
            return "Something went wrong.";
        }
        if (!s.startsWith("apptap ") && !s.startsWith("--")) {
            s = Character.toUpperCase(s.charAt(0)) + s.substring(1);
        }
        char last = s.charAt(s.length() - 1);
        return last == '.' || last == '?' || last == '!' ? s : s + ".";
    }

    /** A sentence without its final full stop, to embed in another sentence. */
    static String clause(String text) {
        String s = text == null ? "" : text.strip();
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
