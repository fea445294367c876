package dev.apptap.flow;

import java.nio.ByteBuffer;
import java.util.Arrays;

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
    private static final byte[] NOTHING = new byte[0];

    // Snapshots (toBody) share this array: appends only write past `recorded`, and growing allocates a new array,
    // so the bytes a snapshot holds never change.
    private byte[] buffer = NOTHING;
    private int recorded;
    private int expected = -1;
    private long size;

    /** @param limit how many bytes to keep at most; later bytes are only counted */
    public BodyCapture(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("The body recording limit must be zero or more bytes, but was " + limit + ".");
        }
        this.limit = limit;
    }

    /**
     * Sizes the recording for a body announced as {@code length} bytes (a Content-Length), so that it is kept in
     * one array of the right size. Call before the first append; a wrong announcement costs only a copy.
     */
    public void expect(long length) {
        if (recorded == 0 && length > 0) {
            expected = (int) Math.min(limit, length);
            buffer = new byte[expected];
        }
    }

    /** Counts {@code length} bytes and keeps those that fit under the limit. */
    public void append(byte[] source, int offset, int length) {
        size += length;
        int keep = room(length);
        if (keep > 0) {
            System.arraycopy(source, offset, buffer, recorded, keep);
            recorded += keep;
        }
    }

    /** Counts the bytes {@code source} has left and keeps those that fit under the limit; consumes them all. */
    public void append(ByteBuffer source) {
        int length = source.remaining();
        size += length;
        int keep = room(length);
        if (keep > 0) {
            source.get(buffer, recorded, keep);
            recorded += keep;
        }
        source.position(source.limit());
    }

    /** How many of {@code length} new bytes to keep, with the buffer grown to hold them. */
    private int room(int length) {
        int keep = Math.min(length, limit - recorded);
        if (keep > 0 && recorded + keep > buffer.length) {
            int grown = Math.max(recorded + keep, Math.min(limit, Math.max(256, buffer.length * 2)));
            buffer = Arrays.copyOf(buffer, grown);
        }
        return keep;
    }

    /** How many bytes passed so far. */
    public long size() {
        return size;
    }

    /** How many more bytes this capture would keep; engines skip copying when it is zero. */
    public int remaining() {
        return limit - recorded;
    }

    /** An immutable body of what was captured so far; taking one copies nothing unless the buffer is oversized. */
    public Body toBody(String contentType, String contentEncoding) {
        boolean filling = buffer.length == expected && recorded < expected;
        if (!filling && buffer.length - recorded > Math.max(64, recorded / 4)) {
            // A body that grew by doubling would hold up to twice its size for as long as the flow is kept.
            buffer = Arrays.copyOf(buffer, recorded);
        }
        return new Body(buffer, recorded, size, size > recorded, contentType, contentEncoding);
    }
}
