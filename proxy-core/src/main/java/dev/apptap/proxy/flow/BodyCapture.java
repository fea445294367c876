package dev.apptap.proxy.flow;

/**
 * Collects the first bytes of a body as it streams past, for engines and redirectors that record flows.
 * Not thread-safe: one capture belongs to one connection's event loop.
 *
 * <pre>{@code
 * BodyCapture capture = new BodyCapture(1 << 20);
 * capture.append(chunk, 0, chunk.length);   // as each chunk passes
 * Body body = capture.toBody("text/plain", "");
 * }</pre>
 */
public final class BodyCapture {

    private final int limit;
    private byte[] buffer = new byte[0];
    private int recorded;
    private long size;

    /** @param limit how many bytes to keep at most; later bytes are only counted */
    public BodyCapture(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("The body recording limit must be zero or more bytes, but was " + limit + ".");
        }
        this.limit = limit;
    }

    /** Counts {@code length} bytes and keeps those that fit under the limit. */
    public void append(byte[] source, int offset, int length) {
        size += length;
        int keep = Math.min(length, limit - recorded);
        if (keep <= 0) {
            return;
        }
        if (recorded + keep > buffer.length) {
            int grown = Math.max(recorded + keep, Math.min(limit, Math.max(256, buffer.length * 2)));
            buffer = java.util.Arrays.copyOf(buffer, grown);
        }
        System.arraycopy(source, offset, buffer, recorded, keep);
        recorded += keep;
    }

    /** How many bytes passed so far. */
    public long size() {
        return size;
    }

    /** How many more bytes this capture would keep; engines skip copying when it is zero. */
    public int remaining() {
        return limit - recorded;
    }

    /** An immutable body of what was captured so far. */
    public Body toBody(String contentType, String contentEncoding) {
        return new Body(java.util.Arrays.copyOf(buffer, recorded), size, size > recorded, contentType, contentEncoding);
    }
}
