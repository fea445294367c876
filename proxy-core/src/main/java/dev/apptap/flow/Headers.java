package dev.apptap.flow;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
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
    public static final Headers EMPTY = new Headers(new String[0]);

    // Names and values alternate: a recorded flow keeps a few dozen of these, so no entry object per field.
    private final String[] namesAndValues;

    private Headers(String[] namesAndValues) {
        this.namesAndValues = namesAndValues;
    }

    /**
     * Every recorded flow carries a dozen or so names that are the same strings again and again; sharing one
     * instance of the well-known ones saves close to a kilobyte per flow (see FlowStoreMemoryTest).
     */
    private static final Map<String, String> WELL_KNOWN_NAMES = wellKnownNames(
            "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges",
            "Access-Control-Allow-Credentials", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods",
            "Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Access-Control-Max-Age", "Age",
            "Allow", "Alt-Svc", "Authorization", "Cache-Control", "Connection", "Content-Disposition",
            "Content-Encoding", "Content-Language", "Content-Length", "Content-Location", "Content-Range",
            "Content-Security-Policy", "Content-Type", "Cookie", "Date", "ETag", "Expect", "Expires", "Forwarded",
            "Host", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since",
            "Keep-Alive", "Last-Modified", "Link", "Location", "Origin", "Pragma", "Proxy-Authenticate",
            "Proxy-Authorization", "Proxy-Connection", "Range", "Referer", "Referrer-Policy", "Retry-After",
            "Server", "Set-Cookie", "Strict-Transport-Security", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
            "User-Agent", "Vary", "Via", "WWW-Authenticate", "X-Content-Type-Options", "X-Forwarded-For",
            "X-Forwarded-Host", "X-Forwarded-Proto", "X-Frame-Options", "X-Request-Id", "X-Requested-With",
            ":method", ":path", ":scheme", ":authority", ":status", "grpc-status", "grpc-message",
            "grpc-encoding", "grpc-accept-encoding");

    private static Map<String, String> wellKnownNames(String... names) {
        Map<String, String> map = new HashMap<>();
        for (String name : names) {
            map.put(name, name);
            String lower = lower(name);
            map.put(lower, lower);
        }
        return Map.copyOf(map);
    }

    /** Headers holding {@code fields} in their order; names keep the case they were sent in. */
    public static Headers of(List<Map.Entry<String, String>> fields) {
        String[] copy = new String[fields.size() * 2];
        int i = 0;
        for (Map.Entry<String, String> field : fields) {
            copy[i++] = field.getKey();
            copy[i++] = field.getValue();
        }
        return ofOwned(copy);
    }

    /** Headers from alternating names and values: {@code Headers.of("Accept", "*&#47;*", "X-Id", "7")}. */
    public static Headers of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("Headers.of takes names and values in pairs, but got "
                    + namesAndValues.length + " strings.");
        }
        return ofOwned(namesAndValues.clone());
    }

    private static Headers ofOwned(String[] namesAndValues) {
        if (namesAndValues.length == 0) {
            return EMPTY;
        }
        for (int i = 0; i < namesAndValues.length; i += 2) {
            String name = Objects.requireNonNull(namesAndValues[i], "a header name");
            Objects.requireNonNull(namesAndValues[i + 1], "the value of header " + name);
            namesAndValues[i] = WELL_KNOWN_NAMES.getOrDefault(name, name);
        }
        return new Headers(namesAndValues);
    }

    /** Every field, in the order sent. */
    public List<Map.Entry<String, String>> asList() {
        return new AbstractList<>() {
            @Override
            public Map.Entry<String, String> get(int index) {
                Objects.checkIndex(index, size());
                return Map.entry(namesAndValues[2 * index], namesAndValues[2 * index + 1]);
            }

            @Override
            public int size() {
                return namesAndValues.length / 2;
            }
        };
    }

    /** The first value of {@code name}, compared without regard to case. */
    public Optional<String> first(String name) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i].equalsIgnoreCase(name)) {
                return Optional.of(namesAndValues[i + 1]);
            }
        }
        return Optional.empty();
    }

    /** The first value of {@code name} (compared without regard to case), or {@code otherwise}. */
    public String firstOr(String name, String otherwise) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i].equalsIgnoreCase(name)) {
                return namesAndValues[i + 1];
            }
        }
        return otherwise;
    }

    /** Every value of {@code name}, in order. */
    public List<String> all(String name) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i].equalsIgnoreCase(name)) {
                values.add(namesAndValues[i + 1]);
            }
        }
        return values;
    }

    public boolean contains(String name) {
        return firstOr(name, null) != null;
    }

    public int size() {
        return namesAndValues.length / 2;
    }

    public boolean isEmpty() {
        return namesAndValues.length == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Headers other && Arrays.equals(namesAndValues, other.namesAndValues);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(namesAndValues);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            s.append(namesAndValues[i]).append(": ").append(namesAndValues[i + 1]).append('\n');
        }
        return s.toString();
    }

    static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
