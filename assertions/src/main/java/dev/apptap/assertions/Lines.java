package dev.apptap.assertions;

import dev.apptap.flow.Flow;
import dev.apptap.proxy.rules.Comparison;
import java.time.Duration;
import java.util.List;

/** The compact text that every failure message shares, so that all of them read alike. */
final class Lines {

    /** Beyond this, a listing only counts the rest: a message nobody scrolls through helps nobody. */
    static final int LISTED = 50;

    private Lines() {
    }

    /** {@code #3 curl GET https://api.example.test/v1 → 200 (2 B)}; any kind of flow, known or added later. */
    static String line(Flow flow) {
        return "#" + flow.id() + " " + flow.summary();
    }

    /** One line per flow, each indented by {@code indent}, each preceded by a line separator. */
    static String listing(List<? extends Flow> flows, String indent) {
        StringBuilder text = new StringBuilder();
        int shown = Math.min(flows.size(), LISTED);
        for (int i = 0; i < shown; i++) {
            text.append(System.lineSeparator()).append(indent).append(line(flows.get(i)));
        }
        if (flows.size() > shown) {
            text.append(System.lineSeparator()).append(indent).append("… and ").append(flows.size() - shown)
                .append(" more");
        }
        return text.toString();
    }

    static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    static String quote(String text) {
        return text == null ? "null" : "\"" + text + "\"";
    }

    /** Long bodies would drown the message; the start is what tells them apart. */
    static String abbreviate(String text, int max) {
        String oneLine = text.replace("\r", "\\r").replace("\n", "\\n");
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max) + "…";
    }

    static String describe(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 1000 == 0) {
            return Lines.count((int) (millis / 1000), "second");
        }
        return millis + " ms";
    }

    /** Indents every line after the first, so that multi-line values sit under their label. */
    static String indentRest(String text, String indent) {
        return text.replace("\n", "\n" + indent);
    }

    /**
     * A request held against a pattern, one line per field, each starting with {@code indent}: {@code ✗ path
     * expected:</v1/login> but was:</v1/logon>}, or the value alone where the request matched.
     */
    static String comparison(Comparison comparison, String indent) {
        int width = comparison.fields().stream().mapToInt(f -> f.name().length()).max().orElse(0);
        StringBuilder text = new StringBuilder();
        for (Comparison.Field field : comparison.fields()) {
            String padded = field.name() + " ".repeat(width - field.name().length());
            text.append(System.lineSeparator()).append(indent).append(field.matches()
                    ? "  " + padded + "  " + field.actual()
                    : "✗ " + padded + "  expected:<" + field.expected() + "> but was:<" + field.actual() + ">");
        }
        return text.toString();
    }
}
