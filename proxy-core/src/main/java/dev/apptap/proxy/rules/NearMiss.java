package dev.apptap.proxy.rules;

import java.util.List;

/**
 * A rule that did not match a request, with what each of its differing fields wanted and what the request had; see
 * {@link RuleSet#closest}.
 *
 * <pre>{@code
 * stubs.closest(RequestFacts.of("GET", "https://api.example.test/v1/logon"), 3)
 *      .forEach(miss -> System.out.println(miss.explain()));
 * // #1 POST https://api.example.test/v1/login → respond 200 (never used)
 * //     method: expected POST but was GET
 * //     path: expected /v1/login but was /v1/logon
 * }</pre>
 *
 * @param rule       the rule
 * @param mismatches its fields that did not match, most telling first; empty when the rule matches
 * @param distance   how far the request is from matching: a differing host counts most, then path, then method,
 *                   then each other field
 */
public record NearMiss(Rule rule, List<Mismatch> mismatches, int distance) {

    public NearMiss {
        mismatches = List.copyOf(mismatches);
    }

    /**
     * One field that did not match.
     *
     * @param field    {@code method}, {@code host}, {@code path}, {@code header Accept}, {@code JSON /user/name}, …
     * @param expected what the rule wanted, e.g. {@code POST} or {@code containing "json"}
     * @param actual   what the request had, e.g. {@code GET} or {@code absent}
     */
    public record Mismatch(String field, String expected, String actual) {

        /** {@code method: expected POST but was GET}. */
        public String explain() {
            return field + ": expected " + expected + " but was " + actual;
        }
    }

    /** Whether the rule matches the request after all. */
    public boolean matches() {
        return mismatches.isEmpty();
    }

    /** The rule on one line, then one indented line per differing field. */
    public String explain() {
        long hits = rule.hits();
        StringBuilder text = new StringBuilder(rule.describe())
                .append(hits == 0 ? " (never used)" : " (used " + hits + (hits == 1 ? " time)" : " times)"));
        if (mismatches.isEmpty()) {
            text.append("\n    matches this request");
        }
        for (Mismatch mismatch : mismatches) {
            text.append("\n    ").append(mismatch.explain());
        }
        return text.toString();
    }
}
