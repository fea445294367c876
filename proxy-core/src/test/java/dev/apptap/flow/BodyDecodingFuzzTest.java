package dev.apptap.flow;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apptap.proxy.testing.FuzzInput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Any recorded body with any Content-Encoding (and the same header line as a Content-Type): {@link BodyDecoding}
 * never throws, never returns more than its cap, and finds a charset; and the body's bytes, gzipped, zlib-deflated
 * or raw-deflated by the JDK, decode back to themselves. An input is the header value, a line feed, then the body.
 * Seeds ({@code BodyDecodingFuzzTestInputs/}): a gzipped JSON answer of Python's http.server, zlib and raw deflate,
 * two gzip members, a gzip cut short, brotli and zstd, an unknown coding and a chain.
 */
class BodyDecodingFuzzTest {

    private static final int CAP = 1 << 20;

    @FuzzTest(maxDuration = "5m")
    void decodesWithoutThrowingWithinTheCapAndRoundTrips(byte[] input) {
        int newline = indexOf(input, (byte) '\n');
        String header = new String(input, 0, Math.max(newline, 0), StandardCharsets.ISO_8859_1);
        byte[] body = Arrays.copyOfRange(input, newline + 1, input.length);

        BodyDecoding.Decoded decoded = BodyDecoding.decode(body, header, CAP);
        assertThat(decoded.bytes().length).as("bytes decoded from %s", FuzzInput.describe(input)).isLessThanOrEqualTo(Math.max(CAP, body.length));
        assertThat(decoded.problem()).isNotNull();
        BodyDecoding.text(decoded.bytes(), BodyDecoding.charsetOf(header));

        byte[] plain = body.length > CAP ? Arrays.copyOf(body, CAP) : body;
        assertThat(BodyDecoding.decode(gzip(plain), "gzip", CAP).bytes()).as("gzip round trip").isEqualTo(plain);
        assertThat(BodyDecoding.decode(deflate(plain, false), "deflate", CAP).bytes()).as("zlib round trip").isEqualTo(plain);
        assertThat(BodyDecoding.decode(deflate(plain, true), "deflate", CAP).bytes()).as("raw deflate round trip").isEqualTo(plain);
    }

    private static int indexOf(byte[] bytes, byte wanted) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] plain, boolean raw) {
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, raw);
        try {
            deflater.setInput(plain);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            while (!deflater.finished()) {
                out.write(chunk, 0, deflater.deflate(chunk));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }
}
