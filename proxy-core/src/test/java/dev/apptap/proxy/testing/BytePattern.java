package dev.apptap.proxy.testing;

import io.netty.buffer.ByteBuf;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The deterministic body {@link OriginServer} streams from {@code /bytes/{n}} and {@code /chunked/{n}}: the byte at
 * offset {@code i} is {@code i % 251}. A prime period never lines up with buffer or chunk sizes, so a dropped,
 * repeated or reordered chunk shows up as a wrong byte instead of passing unnoticed.
 */
public final class BytePattern {

    public static final int PERIOD = 251;

    // One period more than the largest slice handed out, so any offset can be copied with a single call.
    private static final int MAX_SLICE = 64 * 1024;
    private static final byte[] TABLE = new byte[PERIOD + MAX_SLICE];

    static {
        for (int i = 0; i < TABLE.length; i++) {
            TABLE[i] = (byte) (i % PERIOD);
        }
    }

    private BytePattern() {
    }

    public static byte at(long offset) {
        return (byte) (offset % PERIOD);
    }

    /** Writes {@code length} bytes of the pattern that start at {@code offset} into {@code target}. */
    public static void write(ByteBuf target, long offset, int length) {
        int start = (int) (offset % PERIOD);
        while (length > 0) {
            int slice = Math.min(length, MAX_SLICE);
            target.writeBytes(TABLE, start, slice);
            length -= slice;
            start = (int) ((start + slice) % PERIOD);
        }
    }

    /** Copies the pattern that starts at {@code offset} into {@code target[from, from + length)}. */
    public static void copy(long offset, byte[] target, int from, int length) {
        int start = (int) (offset % PERIOD);
        while (length > 0) {
            int slice = Math.min(length, MAX_SLICE);
            System.arraycopy(TABLE, start, target, from, slice);
            from += slice;
            length -= slice;
            start = (int) ((start + slice) % PERIOD);
        }
    }

    /**
     * Returns the offset of the first byte of {@code data[from, from + length)} that differs from the pattern
     * starting at {@code offset}, or -1 when all match.
     */
    public static long firstMismatch(long offset, byte[] data, int from, int length) {
        int start = (int) (offset % PERIOD);
        for (int i = 0; i < length; i++) {
            if (data[from + i] != TABLE[start]) {
                return offset + i;
            }
            start = start + 1 == PERIOD ? 0 : start + 1;
        }
        return -1;
    }

    /** The lower-case hex SHA-256 of the first {@code length} bytes, as {@code /chunked/{n}} sends in X-Checksum. */
    public static String sha256Hex(long length) {
        MessageDigest digest = sha256();
        long offset = 0;
        while (offset < length) {
            int slice = (int) Math.min(MAX_SLICE, length - offset);
            digest.update(TABLE, (int) (offset % PERIOD), slice);
            offset += slice;
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** An output stream that checks what is written to it against the pattern from offset 0. */
    public static Verifier verifier() {
        return new Verifier();
    }

    /** Counts bytes and remembers the first one that breaks the pattern; keeps nothing else. */
    public static final class Verifier extends OutputStream {

        private long count;
        private long firstMismatch = -1;

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] data, int from, int length) {
            if (firstMismatch < 0) {
                firstMismatch = BytePattern.firstMismatch(count, data, from, length);
            }
            count += length;
        }

        public long count() {
            return count;
        }

        /** The offset of the first wrong byte, or -1 when every byte so far matched. */
        public long firstMismatch() {
            return firstMismatch;
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JDK has SHA-256, but this one does not.", e);
        }
    }
}
