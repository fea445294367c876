package dev.apptap.junit;

import dev.apptap.flow.FlowWindow;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The {@code apptap.*} configuration parameters, typed, with messages that name the key and what it accepts. */
final class Config {

    static final String MODE = "apptap.mode";
    static final String SCOPE = "apptap.scope";
    static final String OFFLINE = "apptap.offline";
    static final String HAR = "apptap.har";
    static final String REQUIRE = "apptap.require";
    static final String CA_DIR = "apptap.ca.dir";
    static final String TIMEOUT = "apptap.timeout";
    static final String UPSTREAM_TRUST = "apptap.upstream.trust";
    static final String RESOLVE = "apptap.resolve";
    static final String REPORT_DIR = "apptap.report.dir";
    static final String REPORT_HTML = "apptap.report.html";
    static final String WINDOW_FLOWS = "apptap.window.flows";
    static final String WINDOW_BYTES = "apptap.window.bytes";

    /** {@code apptap.ca.dir=ephemeral}: a fresh in-memory CA per run, nothing written to the home directory. */
    static final String EPHEMERAL = "ephemeral";

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final ExtensionContext context;

    Config(ExtensionContext context) {
        this.context = context;
    }

    InterceptMode mode() {
        return enumValue(MODE, InterceptMode.class, InterceptMode.AUTO);
    }

    ProcessScope scope() {
        return enumValue(SCOPE, ProcessScope.class, ProcessScope.JVM);
    }

    HarPolicy har() {
        return enumValue(HAR, HarPolicy.class, HarPolicy.ON_FAILURE);
    }

    boolean offline() {
        return bool(OFFLINE);
    }

    boolean requireOsProxy() {
        return string(REQUIRE).map(v -> {
            String value = v.trim().toLowerCase(Locale.ROOT);
            if (value.equals("osproxy")) {
                return true;
            }
            if (value.isEmpty() || value.equals("none")) {
                return false;
            }
            throw invalid(REQUIRE, v, "osproxy or none");
        }).orElse(false);
    }

    /** Empty for the per-user CA in {@code ~/.apptap/}; {@value #EPHEMERAL} for an in-memory CA. */
    Optional<String> caDirectory() {
        return string(CA_DIR).map(String::trim).filter(s -> !s.isEmpty());
    }

    Duration timeout() {
        return string(TIMEOUT).map(v -> parseDuration(TIMEOUT, v)).orElse(DEFAULT_TIMEOUT);
    }

    List<Path> upstreamTrust() {
        return string(UPSTREAM_TRUST).stream()
                .flatMap(v -> Arrays.stream(v.split(",")))
                .map(String::trim).filter(s -> !s.isEmpty()).map(Path::of)
                .collect(Collectors.toList());
    }

    /** Whether names other than {@code localhost} and {@code *.test} may be looked up with the system resolver. */
    boolean systemLookups() {
        return string(RESOLVE).map(v -> {
            String value = v.trim().toLowerCase(Locale.ROOT);
            if (value.equals("system")) {
                return true;
            }
            if (value.isEmpty() || value.equals("loopback")) {
                return false;
            }
            throw invalid(RESOLVE, v, "loopback (only localhost and *.test, the default) or system");
        }).orElse(false);
    }

    Path reportDirectory() {
        return string(REPORT_DIR).map(String::trim).filter(s -> !s.isEmpty()).map(Path::of)
                .orElse(Path.of("target", "apptap"));
    }

    /** Whether the run writes {@code <report dir>/report.html}; {@code apptap.report.html=false} turns it off. */
    boolean htmlReport() {
        return string(REPORT_HTML).map(String::isBlank).orElse(true) || bool(REPORT_HTML);
    }

    /** {@code apptap.window.flows} (a count) and {@code apptap.window.bytes} ({@code 67108864}, {@code 512k}, {@code 64m}). */
    FlowWindow flowWindow() {
        long flows = string(WINDOW_FLOWS).map(v -> size(WINDOW_FLOWS, v, false, "a number of flows, at least 1"))
                .orElse((long) FlowWindow.DEFAULT.maxFlows());
        long bytes = string(WINDOW_BYTES).map(v -> size(WINDOW_BYTES, v, true, "a size such as 67108864, 512k or 64m"))
                .orElse(FlowWindow.DEFAULT.maxBodyBytes());
        if (flows > Integer.MAX_VALUE) {
            throw invalid(WINDOW_FLOWS, Long.toString(flows), "at most " + Integer.MAX_VALUE + " flows");
        }
        return new FlowWindow((int) flows, bytes);
    }

    private static long size(String key, String raw, boolean units, String accepted) {
        String value = raw.trim().toLowerCase(Locale.ROOT);
        int shift = 0;
        if (units && !value.isEmpty() && "kmg".indexOf(value.charAt(value.length() - 1)) >= 0) {
            shift = 10 * ("kmg".indexOf(value.charAt(value.length() - 1)) + 1);
            value = value.substring(0, value.length() - 1).trim();
        }
        try {
            long number = Long.parseLong(value);
            if (number < 1 || number > (Long.MAX_VALUE >> shift)) {
                throw invalid(key, raw, accepted);
            }
            return number << shift;
        } catch (NumberFormatException e) {
            throw invalid(key, raw, accepted);
        }
    }

    private Optional<String> string(String key) {
        return context.getConfigurationParameter(key);
    }

    private boolean bool(String key) {
        return string(key).map(v -> {
            String value = v.trim().toLowerCase(Locale.ROOT);
            if (value.equals("true") || value.equals("false")) {
                return value.equals("true");
            }
            throw invalid(key, v, "true or false");
        }).orElse(false);
    }

    private <E extends Enum<E>> E enumValue(String key, Class<E> type, E fallback) {
        Optional<String> raw = string(key);
        if (raw.isEmpty() || raw.get().isBlank()) {
            return fallback;
        }
        String wanted = raw.get().trim().replace('-', '_').toUpperCase(Locale.ROOT);
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(wanted) && !constant.name().equals("DEFAULT")) {
                return constant;
            }
        }
        String accepted = Arrays.stream(type.getEnumConstants()).map(Enum::name).filter(n -> !n.equals("DEFAULT"))
                .map(n -> n.toLowerCase(Locale.ROOT).replace('_', '-')).collect(Collectors.joining(", "));
        throw invalid(key, raw.get(), "one of " + accepted);
    }

    /** {@code 30s}, {@code 500ms}, {@code 2m}, or ISO-8601 ({@code PT30S}). */
    static Duration parseDuration(String key, String raw) {
        String value = raw.trim().toLowerCase(Locale.ROOT);
        try {
            if (value.startsWith("pt")) {
                return Duration.parse(value.toUpperCase(Locale.ROOT));
            }
            if (value.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2).trim()));
            }
            if (value.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1).trim()));
            }
            if (value.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1).trim()));
            }
            return Duration.ofSeconds(Long.parseLong(value));
        } catch (RuntimeException e) {
            throw invalid(key, raw, "a duration such as 30s, 500ms, 2m or PT30S");
        }
    }

    private static ExtensionConfigurationException invalid(String key, String value, String accepted) {
        return new ExtensionConfigurationException("The configuration parameter " + key + " is '" + value
                + "', but apptap accepts " + accepted + ".");
    }
}
