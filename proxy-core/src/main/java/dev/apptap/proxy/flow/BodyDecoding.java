package dev.apptap.proxy.flow;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/** Removes content encodings (gzip, deflate; br and zstd when their optional libraries are present). */
final class BodyDecoding {

    private BodyDecoding() {
    }

    /** TODO(helper flow): implement gzip, deflate (zlib and raw), br, zstd, chained codings; never throw on truncated input. */
    static byte[] decode(byte[] raw, String contentEncoding) {
        return raw;
    }

    static Charset charsetOf(String contentType) {
        return StandardCharsets.UTF_8;
    }
}
