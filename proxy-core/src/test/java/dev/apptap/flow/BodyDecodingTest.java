package dev.apptap.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BodyDecodingTest {

    private static final String JSON = "{\"greeting\":\"héllo wörld\",\"items\":[1,2,3]}";

    @Test
    void gzipBodyDecodesToItsText() throws IOException {
        Body body = encoded(gzip(utf8(JSON)), "application/json", "gzip");

        assertThat(body.text()).isEqualTo(JSON);
        assertThat(body.decodingProblem()).isEmpty();
    }

    @Test
    void xGzipIsTreatedAsGzip() throws IOException {
        assertThat(encoded(gzip(utf8(JSON)), "application/json", "x-gzip").text()).isEqualTo(JSON);
    }

    @Test
    void gzipWithSeveralMembersDecodesToAllOfThem() throws IOException {
        byte[] twoMembers = concat(gzip(utf8("first,")), gzip(utf8("second")));

        assertThat(encoded(twoMembers, "text/plain", "gzip").text()).isEqualTo("first,second");
    }

    @Test
    void gzipHeaderWithFileNameAndExtraFieldsIsSkipped() throws IOException {
        byte[] plain = gzip(utf8(JSON));
        // Flags FEXTRA | FNAME | FCOMMENT, as some servers' tools write them.
        ByteArrayOutputStream withFields = new ByteArrayOutputStream();
        withFields.write(plain, 0, 3);
        withFields.write(4 | 8 | 16);
        withFields.write(plain, 4, 6);
        withFields.write(new byte[] {3, 0, 'x', 'y', 'z'});
        withFields.write(utf8("body.json\0a comment\0"));
        withFields.write(plain, 10, plain.length - 10);

        assertThat(encoded(withFields.toByteArray(), "application/json", "gzip").text()).isEqualTo(JSON);
    }

    @Test
    void truncatedGzipDecodesToAPrefixOfTheOriginal() throws IOException {
        byte[] original = randomText(200_000);
        byte[] compressed = gzip(original);
        BodyCapture capture = new BodyCapture(compressed.length / 2);
        capture.append(compressed, 0, compressed.length);
        Body body = capture.toBody("text/plain", "gzip");

        byte[] decoded = body.bytes();

        assertThat(body.isTruncated()).isTrue();
        assertThat(decoded.length).isGreaterThan(original.length / 4).isLessThan(original.length);
        assertThat(decoded).isEqualTo(Arrays.copyOf(original, decoded.length));
        assertThat(body.decodingProblem()).hasValueSatisfying(p -> assertThat(p).contains("gzip data ends early"));
    }

    @Test
    void gzipCutInsideItsHeaderGivesNoBytesAndNoException() throws IOException {
        byte[] compressed = gzip(utf8(JSON));

        BodyDecoding.Decoded decoded = BodyDecoding.decode(Arrays.copyOf(compressed, 5), "gzip", 1 << 20);

        assertThat(decoded.bytes()).isEmpty();
        assertThat(decoded.problem()).contains("ends inside a header");
    }

    @Test
    void bodyMarkedGzipThatIsNotGzipIsReturnedAsItTravelled() {
        Body body = encoded(utf8(JSON), "application/json", "gzip");

        assertThat(body.text()).isEqualTo(JSON);
        assertThat(body.decodingProblem()).hasValueSatisfying(p -> assertThat(p).contains("does not start like gzip"));
    }

    @Test
    void damagedGzipKeepsItsGoodStartAndReportsTheDamage() throws IOException {
        byte[] original = randomText(100_000);
        byte[] compressed = gzip(original);
        for (int i = compressed.length / 2; i < compressed.length; i++) {
            compressed[i] = (byte) 0xFF;
        }

        BodyDecoding.Decoded decoded = BodyDecoding.decode(compressed, "gzip", 1 << 20);

        // Damaged deflate data may inflate to garbage rather than fail, so only the start is known to be right.
        assertThat(Arrays.copyOf(decoded.bytes(), 10_000)).isEqualTo(Arrays.copyOf(original, 10_000));
        assertThat(decoded.problem()).isNotEmpty();
    }

    @Test
    void gzipWhoseChecksumDoesNotMatchSaysSo() throws IOException {
        byte[] compressed = gzip(utf8(JSON));
        compressed[compressed.length - 8] ^= 1;

        BodyDecoding.Decoded decoded = BodyDecoding.decode(compressed, "gzip", 1 << 20);

        assertThat(new String(decoded.bytes(), StandardCharsets.UTF_8)).isEqualTo(JSON);
        assertThat(decoded.problem()).contains("CRC-32");
    }

    @Test
    void deflateWithZlibWrapperDecodes() throws IOException {
        assertThat(encoded(deflate(utf8(JSON), false), "application/json", "deflate").text()).isEqualTo(JSON);
    }

    @Test
    void rawDeflateWithoutZlibWrapperDecodesAsBrowsersAccept() throws IOException {
        assertThat(encoded(deflate(utf8(JSON), true), "application/json", "deflate").text()).isEqualTo(JSON);
    }

    @Test
    void truncatedDeflateDecodesToAPrefix() throws IOException {
        byte[] original = randomText(100_000);
        byte[] compressed = deflate(original, false);

        byte[] decoded = BodyDecoding.decode(Arrays.copyOf(compressed, compressed.length * 2 / 3), "deflate");

        assertThat(decoded.length).isPositive().isLessThan(original.length);
        assertThat(decoded).isEqualTo(Arrays.copyOf(original, decoded.length));
    }

    @Test
    void zstdBodyDecodes() {
        assumeTrue(BodyDecoding.Zstd.available(), "zstd-jni is not usable in this JVM.");

        byte[] compressed = Zstd.compress(utf8(JSON));

        assertThat(encoded(compressed, "application/json", "zstd").text()).isEqualTo(JSON);
    }

    @Test
    void truncatedZstdGivesAPrefixWithoutThrowing() {
        assumeTrue(BodyDecoding.Zstd.available(), "zstd-jni is not usable in this JVM.");
        byte[] original = randomText(1_000_000);
        byte[] compressed = Zstd.compress(original);

        BodyDecoding.Decoded decoded = BodyDecoding.decode(Arrays.copyOf(compressed, compressed.length * 3 / 4),
                "zstd", BodyDecoding.MAX_DECODED_BYTES);

        assertThat(decoded.bytes()).isEqualTo(Arrays.copyOf(original, decoded.bytes().length));
        assertThat(decoded.problem()).contains("zstd");
    }

    @Test
    void brotliBodyDecodesWhenBrotli4jIsPresent() throws Exception {
        assumeTrue(BodyDecoding.Brotli.available(), "brotli4j is not on the class path.");

        assertThat(encoded(brotli(utf8(JSON)), "application/json", "br").text()).isEqualTo(JSON);
    }

    @Test
    void truncatedBrotliDecodesToAPrefix() throws Exception {
        assumeTrue(BodyDecoding.Brotli.available(), "brotli4j is not on the class path.");
        byte[] original = randomText(1_000_000);
        byte[] compressed = brotli(original);

        BodyDecoding.Decoded decoded = BodyDecoding.decode(Arrays.copyOf(compressed, compressed.length / 2), "br",
                BodyDecoding.MAX_DECODED_BYTES);

        assertThat(decoded.bytes().length).isGreaterThan(original.length / 4).isLessThan(original.length);
        assertThat(decoded.bytes()).isEqualTo(Arrays.copyOf(original, decoded.bytes().length));
        assertThat(decoded.problem()).contains("br data ends early");
    }

    @Test
    void chainedCodingsAreUndoneRightToLeft() throws Exception {
        assumeTrue(BodyDecoding.Zstd.available(), "zstd-jni is not usable in this JVM.");
        // "gzip, zstd": gzip was applied first, so zstd must come off first.
        byte[] twice = Zstd.compress(gzip(utf8(JSON)));

        assertThat(encoded(twice, "application/json", "gzip, zstd").text()).isEqualTo(JSON);
    }

    @Test
    void gzipThenBrotliChainDecodes() throws Exception {
        assumeTrue(BodyDecoding.Brotli.available(), "brotli4j is not on the class path.");

        assertThat(encoded(brotli(gzip(utf8(JSON))), "application/json", "GZIP ,br").text()).isEqualTo(JSON);
    }

    @Test
    void identityAndEmptyCodingsLeaveBytesAlone() {
        assertThat(encoded(utf8(JSON), "application/json", "identity").text()).isEqualTo(JSON);
        assertThat(encoded(utf8(JSON), "application/json", " , ").text()).isEqualTo(JSON);
    }

    @Test
    void unknownCodingLeavesBytesEncodedAndSaysWhy() throws IOException {
        byte[] compressed = gzip(utf8(JSON));
        Body body = encoded(compressed, "application/json", "gzip, compress");

        assertThat(body.bytes()).isEqualTo(compressed);
        assertThat(body.decodingProblem()).hasValueSatisfying(p ->
                assertThat(p).contains("'compress'").contains("cannot decode").endsWith("."));
    }

    @Test
    void decompressionBombStopsAtTheCap() throws IOException {
        byte[] bomb = gzip(new byte[10 << 20]);

        BodyDecoding.Decoded decoded = BodyDecoding.decode(bomb, "gzip", 1 << 20);

        assertThat(bomb.length).isLessThan(20_000);
        assertThat(decoded.bytes()).hasSize(1 << 20);
        assertThat(decoded.problem()).contains("decompression bombs");
    }

    @Test
    void bodyBytesStopAtSixtyFourMebibytes() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(sink)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 80; i++) {
                gzip.write(zeros);
            }
        }
        Body body = encoded(sink.toByteArray(), "application/octet-stream", "gzip");

        assertThat(body.bytes()).hasSize(64 << 20);
    }

    @ParameterizedTest
    @CsvSource({"''", "identity", "compress"})
    void bytesThatNeedNoDecodingAreStillACopy(String contentEncoding) {
        Body body = encoded(utf8("abc"), "text/plain", contentEncoding);

        body.bytes()[0] = 'X';

        assertThat(body.text()).isEqualTo("abc");
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
            "text/html; charset=ISO-8859-1         | ISO-8859-1",
            "text/html;charset=\"windows-1252\"    | windows-1252",
            "text/plain; format=flowed; CHARSET=utf-16le | UTF-16LE",
            "text/plain; charset = \"utf-8\" ; x=1 | UTF-8",
            "application/json                      | UTF-8",
            "text/plain                            | UTF-8",
            "''                                    | UTF-8",
            "text/plain; charset=no-such-charset   | UTF-8",
            "text/plain; charset=\"bad name!\"     | UTF-8",
            "text/plain; name=\"a;charset=latin1\"; charset=us-ascii | US-ASCII",
    })
    void charsetComesFromTheContentTypeParameter(String contentType, String expected) {
        assertThat(BodyDecoding.charsetOf(contentType)).isEqualTo(Charset.forName(expected));
    }

    @Test
    void textUsesTheDeclaredCharset() {
        byte[] latin1 = "héllo".getBytes(StandardCharsets.ISO_8859_1);

        assertThat(Body.of(latin1, "text/plain; charset=iso-8859-1").text()).isEqualTo("héllo");
    }

    @Test
    void byteOrderMarkWinsOverTheContentTypeAndIsDropped() {
        byte[] withBom = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8(JSON));

        assertThat(Body.of(withBom, "application/json; charset=iso-8859-1").text()).isEqualTo(JSON);
    }

    @Test
    void textContentTypesAreRecognised() {
        assertThat(Body.ofText("x", "application/problem+json").isText()).isTrue();
        assertThat(Body.ofText("x", "text/css").isText()).isTrue();
        assertThat(Body.ofText("x", "application/octet-stream; charset=utf-8").isText()).isTrue();
        assertThat(Body.ofText("x", "image/png").isText()).isFalse();
        assertThat(Body.ofText("x", "").isText()).isFalse();
    }

    // ---- helpers ----

    private static Body encoded(byte[] bytes, String contentType, String contentEncoding) {
        return new Body(bytes, bytes.length, false, contentType, contentEncoding);
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Letters in random order: they compress, but not so well that half a stream holds almost nothing. */
    private static byte[] randomText(int length) {
        Random random = new Random(42);
        byte[] text = new byte[length];
        for (int i = 0; i < length; i++) {
            text[i] = (byte) ('a' + random.nextInt(26));
        }
        return text;
    }

    private static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(sink)) {
            gzip.write(plain);
        }
        return sink.toByteArray();
    }

    private static byte[] deflate(byte[] plain, boolean raw) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (DeflaterOutputStream out = new DeflaterOutputStream(sink, new Deflater(Deflater.DEFAULT_COMPRESSION, raw))) {
            out.write(plain);
        }
        return sink.toByteArray();
    }

    /** Through reflection, so that these tests compile where brotli4j is absent (they are skipped there). */
    private static byte[] brotli(byte[] plain) throws Exception {
        return (byte[]) Class.forName("com.aayushatharva.brotli4j.encoder.Encoder")
                .getMethod("compress", byte[].class).invoke(null, (Object) plain);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
