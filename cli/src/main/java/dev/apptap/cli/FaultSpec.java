package dev.apptap.cli;

import dev.apptap.proxy.rules.Action;
import dev.apptap.proxy.rules.Actions;
import dev.apptap.proxy.rules.Fault;
import dev.apptap.proxy.rules.Forward;
import dev.apptap.proxy.rules.RequestFacts;
import dev.apptap.proxy.rules.RequestMatcher;
import dev.apptap.proxy.rules.Respond;
import dev.apptap.proxy.rules.Rule;
import dev.apptap.proxy.rules.RuleSet;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One {@code --fault 'METHOD URL FAULT'}: {@code GET https://api.example.test/v1/items close-after=512}. The request
 * gets what it would get without the fault (a {@code --stub}'s answer, a {@code --route}'s server, or the real
 * server) with the fault on the way back. Faults: {@code reset}, {@code close-before-body}, {@code close-after=BYTES},
 * {@code delay=DURATION} ({@code 2s}, {@code 500ms}), {@code throttle=BYTES} (per second, {@code 1k}),
 * {@code malformed}, {@code tls-failure} (for the URL's host) and {@code hang}.
 *
 * @param method  the method as given (upper case, or {@code *})
 * @param url     the URL as given, to find the stub or route it applies to
 * @param matcher which requests it breaks
 * @param fault   what goes wrong
 */
record FaultSpec(String method, String url, RequestMatcher matcher, Fault fault) {

    static final String FAULTS = "reset, close-before-body, close-after=BYTES, delay=DURATION, throttle=BYTES,"
            + " malformed, tls-failure or hang";

    /**
     * Adds the fault after the stubs and routes, so it wins: on a copy of the stub's response or the route that
     * would take the request, else on the request passed through.
     */
    void addTo(RuleSet rules) {
        Action action = Actions.passThroughWith(fault);
        if (!url.contains("*")) {
            RequestFacts request = RequestFacts.of(method.equals("*") ? "GET" : method, url);
            List<Rule> oldestFirst = rules.rules();
            for (int i = oldestFirst.size() - 1; i >= 0; i--) {
                Rule rule = oldestFirst.get(i);
                if (rule.matcher().matches(request)) {
                    if (rule.action() instanceof Respond response) {
                        action = response.withFault(fault);
                    } else if (rule.action() instanceof Forward forward) {
                        action = forward.withFault(fault);
                    } else {
                        throw new IllegalArgumentException("--fault '" + method + " " + url + " " + fault.describe()
                                + "' matches " + rule.describe() + ", which answers in turn or from a template;"
                                + " a fault goes on a --stub with one status, a --route or a request passed through");
                    }
                    break;
                }
            }
        }
        rules.on(matcher).then(action);
    }

    static FaultSpec parse(String spec) {
        String[] parts = spec.strip().split("\\s+");
        if (parts.length != 3) {
            throw new IllegalArgumentException("--fault '" + spec + "' needs a method, a URL and a fault, such as"
                    + " 'GET https://api.example.test/v1/items close-after=512'; the fault is one of " + FAULTS);
        }
        String method = parts[0].toUpperCase(Locale.ROOT);
        String url = parts[1];
        RequestMatcher matcher = method.equals("*") ? RequestMatcher.any(url) : RequestMatcher.request(method, url);
        return new FaultSpec(method, url, matcher, fault(parts[2], spec));
    }

    private static Fault fault(String text, String spec) {
        String name = text.toLowerCase(Locale.ROOT);
        String value = "";
        int eq = name.indexOf('=');
        if (eq > 0) {
            value = name.substring(eq + 1);
            name = name.substring(0, eq);
        }
        try {
            return switch (name) {
                case "reset" -> Fault.connectionReset();
                case "close-before-body" -> Fault.closeBeforeBody();
                case "close-after" -> Fault.closeAfterBodyBytes(new ByteSize().convert(value));
                case "delay" -> Fault.delay(duration(value));
                case "throttle" -> Fault.throttle(new ByteSize().convert(value));
                case "malformed" -> Fault.malformedResponse();
                case "tls-failure" -> Fault.tlsHandshakeFailure();
                case "hang" -> Fault.hang();
                default -> throw new IllegalArgumentException("is not a fault");
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--fault '" + spec + "' has the fault '" + text + "', which "
                    + Sentences.clause(e.getMessage()) + "; write one of " + FAULTS, e);
        }
    }

    /** {@code 2s}, {@code 500ms}, {@code 1m}, or ISO-8601 ({@code PT2S}). */
    private static Duration duration(String text) {
        String v = text.strip();
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            return Duration.parse(v);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration such as 2s or 500ms", e);
        }
    }

    /** Turns a bad spec into a usage error (exit code 2) rather than a crash. */
    static final class Converter implements ITypeConverter<FaultSpec> {
        @Override
        public FaultSpec convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(Sentences.clause(e.getMessage()));
            }
        }
    }
}
