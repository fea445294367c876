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
 * @param comparison the request held against the rule's matcher, field by field
 */
public record NearMiss(Rule rule, Comparison comparison) {

    /** Whether the rule matches the request after all. */
    public boolean matches() {
        return comparison.matches();
    }

    /** The fields that did not match, weightiest first; empty when the rule matches. */
    public List<Comparison.Field> mismatches() {
        return comparison.mismatches();
    }

    /** How far the request is from matching, 0 to 1; see {@link Comparison#distance()}. */
    public double distance() {
        return comparison.distance();
    }

    /** The rule on one line, then one indented line per differing field. */
    public String explain() {
        long hits = rule.hits();
        StringBuilder text = new StringBuilder(rule.describe())
                .append(hits == 0 ? " (never used)" : " (used " + hits + (hits == 1 ? " time)" : " times)"));
        List<Comparison.Field> mismatches = mismatches();
        if (mismatches.isEmpty()) {
            text.append("\n    matches this request");
        }
        for (Comparison.Field mismatch : mismatches) {
            text.append("\n    ").append(mismatch.explain());
        }
        return text.toString();
    }
}
