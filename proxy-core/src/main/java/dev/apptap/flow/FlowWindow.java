package dev.apptap.flow;

import java.util.Locale;

/**
 * How much a {@link FlowStore} keeps in memory: the newest {@code maxFlows} flows, and no more than
 * {@code maxBodyBytes} of recorded bodies (request, response, TCP and WebSocket payloads) among them, whichever limit
 * is reached first. Older complete flows are then evicted: a long {@code apptap watch} stays flat, and what left the
 * window is in the HAR or JSON stream it writes as it goes. A {@link Flows} query over evicted flows says so instead
 * of returning fewer flows.
 *
 * <pre>{@code
 * SessionOptions options = SessionOptions.builder()
 *         .flowWindow(new FlowWindow(50_000, 256L << 20))   // 50,000 flows or 256 MiB of bodies
 *         .build();
 * }</pre>
 *
 * @param maxFlows     how many flows to keep at most, at least 1
 * @param maxBodyBytes how many bytes of recorded bodies to keep at most, at least 1
 */
public record FlowWindow(int maxFlows, long maxBodyBytes) {

    /** 10,000 flows or 64 MiB of recorded bodies, whichever comes first. */
    public static final FlowWindow DEFAULT = new FlowWindow(10_000, 64L << 20);

    public FlowWindow {
        if (maxFlows < 1) {
            throw new IllegalArgumentException("A flow window must keep at least one flow, but maxFlows was "
                    + maxFlows + ".");
        }
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("A flow window must keep at least one byte of bodies, but"
                    + " maxBodyBytes was " + maxBodyBytes + ".");
        }
    }

    /** This window with room for {@code flows} flows. */
    public FlowWindow withMaxFlows(int flows) {
        return new FlowWindow(flows, maxBodyBytes);
    }

    /** This window with room for {@code bytes} bytes of bodies. */
    public FlowWindow withMaxBodyBytes(long bytes) {
        return new FlowWindow(maxFlows, bytes);
    }

    /** {@code the newest 10,000 flows or 64 MiB of recorded bodies, whichever limit is reached first}. */
    public String describe() {
        return String.format(Locale.ROOT, "the newest %,d flow%s or %s of recorded bodies, whichever limit is reached"
                + " first", maxFlows, maxFlows == 1 ? "" : "s", Sizes.describe(maxBodyBytes));
    }
}
