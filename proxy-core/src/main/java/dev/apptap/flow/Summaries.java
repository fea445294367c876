package dev.apptap.flow;

import java.util.function.Consumer;

/** The frame every {@link Flow#summary()} shares: {@code app target}, then the error or what came of it. */
final class Summaries {

    private Summaries() {
    }

    /** {@code curl GET https://api.example.test/v1} followed by {@code ✗ <error>}, or by what {@code outcome} appends. */
    static String of(Flow flow, Consumer<StringBuilder> outcome) {
        StringBuilder line = new StringBuilder()
                .append(flow.process().isKnown() ? flow.process().name() : "?").append(' ').append(flow.target());
        if (flow.error().isPresent()) {
            return line.append(" ✗ ").append(flow.error().get().message()).toString();
        }
        outcome.accept(line);
        return line.toString();
    }
}
