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
        Map<String, String> map = new java.util.HashMap<>();
        for (String name : names) {
            map.put(name, name);
            String lower = lower(name);
            map.put(lower, lower);
        }
        return Map.copyOf(map);
    }

    /** Headers holding {@code fields} in their order; names keep the case they were sent in. */
    public static Headers of(List<Map.Entry<String, String>> fields) {
        List<Map.Entry<String, String>> copy = new ArrayList<>(fields.size());
        for (Map.Entry<String, String> field : fields) {
            String name = Objects.requireNonNull(field.getKey());
            copy.add(Map.entry(WELL_KNOWN_NAMES.getOrDefault(name, name), Objects.requireNonNull(field.getValue())));
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
