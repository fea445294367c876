package dev.apptap.proxy.flow;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * HTTP header fields in the order they were sent, names compared without regard to case.
 *
 * <pre>{@code
 * Headers h = flow.request().headers();
 * h.first("content-type");          // Optional[application/json]
 * h.all("Accept");                  // every Accept field, in order
 * }</pre>
 */
public final class Headers {

    /** No header fields. */
    public static final Headers EMPTY = new Headers(List.of());

    private final List<Map.Entry<String, String>> fields;

    private Headers(List<Map.Entry<String, String>> fields) {
        this.fields = fields;
    }

    /** Headers holding {@code fields} in their order; names keep the case they were sent in. */
    public static Headers of(List<Map.Entry<String, String>> fields) {
        List<Map.Entry<String, String>> copy = new ArrayList<>(fields.size());
        for (Map.Entry<String, String> field : fields) {
            copy.add(Map.entry(Objects.requireNonNull(field.getKey()), Objects.requireNonNull(field.getValue())));
        }
        return new Headers(Collections.unmodifiableList(copy));
    }

    /** Headers from alternating names and values: {@code Headers.of("Accept", "*&#47;*", "X-Id", "7")}. */
    public static Headers of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("Headers.of takes names and values in pairs, but got "
                    + namesAndValues.length + " strings.");
        }
        List<Map.Entry<String, String>> list = new ArrayList<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            list.add(Map.entry(namesAndValues[i], namesAndValues[i + 1]));
        }
        return of(list);
    }

    /** Every field, in the order sent. */
    public List<Map.Entry<String, String>> asList() {
        return fields;
    }

    /** The first value of {@code name}, compared without regard to case. */
    public Optional<String> first(String name) {
        for (Map.Entry<String, String> field : fields) {
            if (field.getKey().equalsIgnoreCase(name)) {
                return Optional.of(field.getValue());
            }
        }
        return Optional.empty();
    }

    /** Every value of {@code name}, in order. */
    public List<String> all(String name) {
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> field : fields) {
            if (field.getKey().equalsIgnoreCase(name)) {
                values.add(field.getValue());
            }
        }
        return values;
    }

    public boolean contains(String name) {
        return first(name).isPresent();
    }

    public int size() {
        return fields.size();
    }

    public boolean isEmpty() {
        return fields.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Headers other && fields.equals(other.fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, String> field : fields) {
            s.append(field.getKey()).append(": ").append(field.getValue()).append('\n');
        }
        return s.toString();
    }

    static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
