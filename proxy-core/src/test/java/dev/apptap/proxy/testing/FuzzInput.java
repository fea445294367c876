package dev.apptap.proxy.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** Helpers for fuzz targets that feed raw bytes to a parser as a network would: in pieces. */
public final class FuzzInput {

    private static final int SHOWN = 200;

    private FuzzInput() {
    }

    /**
     * Cuts {@code input} into pieces whose sizes follow from its own bytes, so that a saved input replays the same
     * way and the fuzzer can steer how a message is split across reads.
     */
    public static List<int[]> pieces(byte[] input) {
        List<int[]> pieces = new ArrayList<>();
        int seed = Arrays.hashCode(input);
        int at = 0;
        while (at < input.length) {
            seed = seed * 1_103_515_245 + 12_345;
            int size = 1 + Math.floorMod(seed >>> 8, 97) * (Math.floorMod(seed, 3) == 0 ? 1 : 64);
            int end = Math.min(input.length, at + size);
            pieces.add(new int[] {at, end});
            at = end;
        }
        return pieces;
    }

    /** The input for a failure message: text when it is printable ASCII, hex otherwise, shortened. */
    public static String describe(byte[] input) {
        byte[] shown = input.length > SHOWN ? Arrays.copyOf(input, SHOWN) : input;
        boolean text = true;
        for (byte b : shown) {
            text &= (b >= 0x20 && b < 0x7f) || b == '\r' || b == '\n' || b == '\t';
        }
        String body = text ? '"' + new String(shown, StandardCharsets.US_ASCII).replace("\r", "\\r").replace("\n", "\\n") + '"'
                : "0x" + HexFormat.of().formatHex(shown);
        return "the input " + body + (input.length > SHOWN ? " (first " + SHOWN + " of " + input.length + " bytes)" : "");
    }
}
