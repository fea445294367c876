package dev.apptap.proxy.rules;

import java.util.Comparator;
import java.util.List;

/**
 * How one request compares with a {@link RequestMatcher}, criterion by criterion: what the matcher wanted, what the
 * request had, and how far apart they are. It ranks and explains near misses, for stubs ({@link RuleSet#closest},
 * the offline 502) and for assertions on recorded flows alike.
 *
 * <pre>{@code
 * Comparison c = post("https://api.example.test/v1/login").compare(RequestFacts.of("GET", "https://api.example.test/v1/logon"));
 * c.matches();                    // false
 * c.mismatches().get(0).explain(); // path: expected /v1/login but was /v1/logon
 * c.distance();                   // between 0 (a match) and 1 (nothing alike)
 * }</pre>
 *
 * @param fields one per criterion, in the matcher's order
 */
public record Comparison(List<Field> fields) {

    public Comparison {
        fields = List.copyOf(fields);
    }

    /**
     * One criterion held against the request.
     *
     * @param name     {@code method}, {@code host}, {@code path}, {@code header Accept}, {@code JSON $.user.name}, …
     * @param expected what the matcher wants, e.g. {@code POST} or {@code containing "json"}
     * @param actual   what the request had, e.g. {@code GET} or {@code absent}
     * @param distance 0 when the request passes this criterion, up to 1 when nothing is alike
     * @param weight   how much this field counts: another host is farther than another header
     */
    public record Field(String name, String expected, String actual, double distance, int weight) {

        public boolean matches() {
            return distance == 0;
        }

        /** {@code method: expected POST but was GET}. */
        public String explain() {
            return name + ": expected " + expected + " but was " + actual;
        }
    }

    /** Whether the request passes every criterion. */
    public boolean matches() {
        return fields.stream().allMatch(Field::matches);
    }

    /** The fields that did not match, weightiest first. */
    public List<Field> mismatches() {
        return fields.stream().filter(f -> !f.matches())
                .sorted(Comparator.comparingInt(Field::weight).reversed()).toList();
    }

    /** 0 for a match, else the weighted mean of the fields' distances (as WireMock ranks near misses), up to 1. */
    public double distance() {
        double sum = 0;
        double weights = 0;
        for (Field field : fields) {
            sum += field.distance() * field.weight();
            weights += field.weight();
        }
        return weights == 0 ? 0 : sum / weights;
    }
}
