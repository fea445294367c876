package dev.apptap.cli;

import dev.apptap.proxy.rules.Actions;
import dev.apptap.proxy.rules.Forward;
import dev.apptap.proxy.rules.RequestMatcher;
import dev.apptap.proxy.rules.RuleSet;
import java.util.Locale;
import java.util.OptionalInt;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One {@code --route HOST[:PORT]=HOST:PORT}: every request for {@code api.example.test} (on that port, or any) goes
 * to the target instead, over plain HTTP; write the target as {@code https://HOST:PORT} for TLS. The app still
 * sees its own host name in URLs and certificates.
 *
 * @param host       the host apps address
 * @param port       the port they address, when only one is routed
 * @param forward    where the requests go
 */
record RouteSpec(String host, OptionalInt port, Forward forward) {

    void addTo(RuleSet rules) {
        RequestMatcher matcher = RequestMatcher.anyRequestTo(host);
        if (port.isPresent()) {
            matcher = matcher.withPort(port.getAsInt());
        }
        rules.on(matcher).forwardTo(forward);
    }

    static RouteSpec parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0 || eq == spec.length() - 1) {
            throw new IllegalArgumentException("--route '" + spec + "' must look like HOST[:PORT]=HOST:PORT, such as"
                    + " 'api.example.test=127.0.0.1:8089'");
        }
        String from = spec.substring(0, eq).strip();
        String to = spec.substring(eq + 1).strip();
        boolean tls = to.toLowerCase(Locale.ROOT).startsWith("https://");
        to = to.replaceFirst("(?i)^https?://", "").replaceFirst("/+$", "");
        int colon = to.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--route '" + spec + "' names no port to route to; write HOST:PORT"
                    + " after '=', such as '127.0.0.1:8089'");
        }
        String targetHost = host(to.substring(0, colon), "after", spec);
        int targetPort = port(to.substring(colon + 1), spec);
        int fromColon = from.lastIndexOf(':');
        boolean fromHasPort = fromColon > 0 && !from.endsWith("]") && from.indexOf(':') == fromColon;
        OptionalInt fromPort = fromHasPort ? OptionalInt.of(port(from.substring(fromColon + 1), spec)) : OptionalInt.empty();
        String fromHost = host(fromHasPort ? from.substring(0, fromColon) : from, "before", spec);
        Forward forward = tls ? Actions.forwardToTls(targetHost, targetPort) : Actions.forwardTo(targetHost, targetPort);
        return new RouteSpec(fromHost, fromPort, forward);
    }

    /** The host on one side of '=', without brackets; refused when it is empty or could never be a host name. */
    private static String host(String text, String side, String spec) {
        String host = Urls.unbracket(text);
        // the forward takes off one more pair of brackets and a trailing dot, so '[[]]' and '.' name no host either
        String bare = Urls.unbracket(host);
        if ((bare.endsWith(".") ? bare.substring(0, bare.length() - 1) : bare).isEmpty()) {
            throw new IllegalArgumentException("--route '" + spec + "' names no host " + side + " '='; write"
                    + " HOST[:PORT]=HOST:PORT, such as 'api.example.test=127.0.0.1:8089'");
        }
        if (host.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw new IllegalArgumentException("--route '" + spec + "' names the host '" + host + "' " + side
                    + " '=', but host names have no spaces or control characters");
        }
        return host;
    }

    private static int port(String text, String spec) {
        try {
            int port = Integer.parseInt(text.strip());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below with the whole spec
        }
        throw new IllegalArgumentException("--route '" + spec + "' has the port '" + text
                + "', which is not a number from 1 to 65535");
    }

    /** Turns a bad spec into a usage error (exit code 2) rather than a crash. */
    static final class Converter implements ITypeConverter<RouteSpec> {
        @Override
        public RouteSpec convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(Sentences.clause(e.getMessage()));
            }
        }
    }
}
