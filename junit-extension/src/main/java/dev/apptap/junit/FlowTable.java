package dev.apptap.junit;

import dev.apptap.flow.Flow;
import dev.apptap.proxy.rules.Rule;
import java.util.List;

/** A test's flows as a compact table for the report: one line per flow, id and pid first. */
final class FlowTable {

    /** A report entry is read by people; past this many lines the HAR file is the better place. */
    static final int MAX_ROWS = 50;

    private FlowTable() {
    }

    static String render(List<Flow> flows, ModeChoice mode) {
        StringBuilder table = new StringBuilder();
        if (flows.isEmpty()) {
            return table.append("apptap recorded no flows during this test (").append(mode.mode())
                    .append(" mode). ").append(mode.mode() == InterceptMode.LAUNCH
                            ? "Start apps through the injected Apps so that they use apptap's proxy."
                            : "Check that the intercept spec names the app.").toString();
        }
        table.append("apptap recorded ").append(flows.size()).append(flows.size() == 1 ? " flow" : " flows")
                .append(" during this test (").append(mode.mode()).append(" mode):");
        int width = String.valueOf(flows.get(flows.size() - 1).id()).length();
        for (Flow flow : flows.subList(0, Math.min(MAX_ROWS, flows.size()))) {
            table.append("\n  #").append(pad(String.valueOf(flow.id()), width)).append("  pid ")
                    .append(pad(flow.process().isKnown() ? String.valueOf(flow.process().pid()) : "?", 7))
                    .append(' ').append(flow.summary());
            if (!flow.isComplete()) {
                table.append("  (still running)");
            }
        }
        if (flows.size() > MAX_ROWS) {
            table.append("\n  … and ").append(flows.size() - MAX_ROWS).append(" more (see the HAR file)");
        }
        return table.toString();
    }

    /**
     * The test's stubs no request used, as lines to append to the table, or nothing: next to the flows that did
     * happen, an unused stub usually shows the typo in its URL.
     */
    static String unusedStubs(List<Rule> unused) {
        if (unused.isEmpty()) {
            return "";
        }
        StringBuilder lines = new StringBuilder("\n").append(unused.size() == 1
                ? "1 stub this test added was never used:" : unused.size() + " stubs this test added were never used:");
        for (Rule rule : unused) {
            lines.append("\n  ").append(rule.describe());
        }
        return lines.toString();
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text : text + " ".repeat(width - text.length());
    }
}
