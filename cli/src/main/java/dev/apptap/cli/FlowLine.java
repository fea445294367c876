package dev.apptap.cli;

import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.Flow;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.ProcessInfo;
import dev.apptap.flow.Sizes;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * One line per finished flow, in plain ASCII so that it survives any terminal's encoding:
 * {@code curl[4242] GET https://api.example.test/v1/items -> 200, 5 B in, 0 B out, 12 ms (stubbed)}; a process in a
 * container says which: {@code curl[4242 in container web (curl:8, 3f4e5d6c7b8a, pid 1)] GET ...}.
 */
final class FlowLine {

    private FlowLine() {
    }

    static String of(Flow flow) {
        StringBuilder line = new StringBuilder(process(flow.process())).append(' ').append(flow.target());
        if (flow.error().isPresent()) {
            return line.append(" failed: ").append(flow.error().get().message()).toString();
        }
        line.append(" -> ");
        if (flow instanceof HttpFlow http) {
            line.append(http.status() < 0 ? "no response" : Integer.toString(http.status())).append(", ");
        } else if (flow instanceof DnsFlow dns) {
            return line.append(dns.answers().isEmpty() ? dns.rcode() : String.join(" ", dns.answers()))
                    .append(" (").append(dns.resolution()).append(')').toString();
        }
        line.append(Sizes.describe(flow.bytesReceived())).append(" in, ")
                .append(Sizes.describe(flow.bytesSent())).append(" out");
        flow.duration().ifPresent(d -> line.append(", ").append(millis(d)));
        handling(flow).ifPresent(h -> line.append(" (").append(h).append(')'));
        return line.toString();
    }

    static String process(ProcessInfo process) {
        if (!process.isKnown()) {
            return "?";
        }
        return process.name() + "[" + process.pid() + process.container().map(c -> " in " + c.describe()).orElse("")
                + "]";
    }

    private static String millis(Duration d) {
        return d.toMillis() + " ms";
    }

    private static Optional<String> handling(Flow flow) {
        if (flow instanceof HttpFlow http && http.handling().kind() != HttpFlow.Handling.Kind.UPSTREAM) {
            return Optional.of(http.handling().kind().name().toLowerCase(Locale.ROOT));
        }
        return Optional.empty();
    }
}
