package dev.apptap.assertions;

/**
 * One field of an expectation held against one flow: what was expected, what the flow had, and how far apart the
 * two are (0 when they match, up to 1 when nothing in common), so that near misses can be ranked and shown.
 */
record Row(String label, String expected, String actual, double distance, double weight) {

    boolean matches() {
        return distance == 0;
    }

    /** {@code ✗ path  expected:</v1/login> but was:</v1/logon>}, or the value alone when the flow matched it. */
    String render(int labelWidth) {
        String padded = label + " ".repeat(Math.max(0, labelWidth - label.length()));
        return matches()
                ? "  " + padded + "  " + actual
                : "✗ " + padded + "  expected:<" + expected + "> but was:<" + actual + ">";
    }
}
