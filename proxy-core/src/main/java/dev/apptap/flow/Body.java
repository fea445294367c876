package dev.apptap.flow;

import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A recorded message body: the first bytes as they travelled (still content-encoded), how many bytes
 * there were in all, and whether the recording stopped short of them.
 *
 * <pre>{@code
 * Body body = flow.request().body();
 * body.text();        // decoded from gzip/deflate/br/zstd, in the charset of its Content-Type
 * body.size();        // bytes on the wire, even past the recording limit
 * body.isTruncated(); // true when only the first bytes were kept
 * body.decodingProblem().ifPresent(System.out::println); // why bytes() is short or still encoded
 * }</pre>
 *
 * <p>Decoding never throws: a body cut short by the recording limit decodes to the prefix that its recorded
 * bytes hold, and one that cannot be decoded comes back as it travelled, with {@link #decodingProblem()} saying
 * why. Brotli ({@code br}) needs {@code com.aayushatharva.brotli4j:brotli4j} on the class path and zstd needs
 * {@code com.github.luben:zstd-jni}; without them such bodies stay encoded. Decoded output stops at 64 MiB.
 * Nothing decoded is cached (that would double the memory of every recorded body), so each call decodes again.
 */
public final class Body {

    /** No body. */
    public static final Body EMPTY = new Body(new byte[0], 0, false, "", "");

    // The first `length` bytes of `bytes` are this body's. A BodyCapture shares one array among the snapshots of a
    // body as it grows: it only ever writes past the end of what a snapshot holds, so snapshots need no copy.
    private final byte[] bytes;
    private final int length;
    private final long size;
    private final boolean truncated;
    private final String contentType;
    private final String contentEncoding;

    /**
     * @param bytes           the recorded bytes, as they travelled; not copied, so do not change them
     * @param size            how many bytes travelled in all
     * @param truncated       whether {@code bytes} holds fewer than {@code size}
     * @param contentType     the Content-Type header value, or an empty string
     * @param contentEncoding the Content-Encoding header value, or an empty string
     */
    public Body(byte[] bytes, long size, boolean truncated, String contentType, String contentEncoding) {
        this(bytes, Objects.requireNonNull(bytes, "bytes").length, size, truncated, contentType, contentEncoding);
    }

    /** A body of the first {@code length} bytes of {@code bytes}, which its capture never changes. */
    Body(byte[] bytes, int length, long size, boolean truncated, String contentType, String contentEncoding) {
        this.bytes = Objects.requireNonNull(bytes, "bytes");
        this.length = length;
        this.size = size;
        this.truncated = truncated;
        this.contentType = Objects.requireNonNull(contentType, "contentType");
        this.contentEncoding = Objects.requireNonNull(contentEncoding, "contentEncoding");
    }

    /** The recorded bytes as they travelled (content-encoded); a copy. */
    public byte[] rawBytes() {
        return Arrays.copyOf(bytes, length);
    }

    /** How many bytes this body holds in memory: what the flow window counts. */
    int recordedLength() {
        return length;
    }

    /** How many bytes travelled, recorded or not. */
    public long size() {
        return size;
    }

    /** Whether only the first bytes were recorded. */
    public boolean isTruncated() {
        return truncated;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The Content-Type header value, or an empty string. */
    public String contentType() {
        return contentType;
    }

    /** The Content-Encoding header value, or an empty string. */
    public String contentEncoding() {
        return contentEncoding;
    }

    /**
     * A body whose bytes travelled without a content encoding and were recorded in full: for stubs and tests.
     *
     * @param contentType the Content-Type, or an empty string
     */
    public static Body of(byte[] bytes, String contentType) {
        byte[] copy = bytes.clone();
        return new Body(copy, copy.length, false, contentType, "");
    }

    /** A body holding {@code text} in the charset its Content-Type names (UTF-8 when it names none). */
    public static Body ofText(String text, String contentType) {
        byte[] encoded = text.getBytes(BodyDecoding.charsetOf(contentType));
        return new Body(encoded, encoded.length, false, contentType, "");
    }

    /** How many bytes were recorded: {@link #size()} unless the body {@link #isTruncated() is truncated}. */
    public int recordedSize() {
        return length;
    }

    /**
     * The recorded bytes with the content encoding removed. When the recording was truncated this is the decoded
     * prefix; when decoding fails part way it is as far as decoding got (see {@link #decodingProblem()}).
     */
    public byte[] bytes() {
        byte[] recorded = rawBytes();
        if (length == 0 || contentEncoding.isEmpty()) {
            return recorded;
        }
        // Identity and undecodable codings hand back the array they were given: a copy, so callers may keep it.
        return BodyDecoding.decode(recorded, contentEncoding, BodyDecoding.MAX_DECODED_BYTES).bytes();
    }

    /**
     * The decoded bytes as text, in the charset of the Content-Type (UTF-8 when it names none or one this JVM does
     * not know); a byte-order mark wins over the Content-Type and is left out.
     */
    public String text() {
        return BodyDecoding.text(bytes(), charset());
    }

    /**
     * Why {@link #bytes()} is not the whole decoded body, as a sentence: the encoded data ends early or is
     * damaged, its coding is unknown or needs a library that is missing, or it decodes past 64 MiB. Empty when
     * decoding went through (a truncated recording is reported by {@link #isTruncated()}, not here, unless it
     * cut the encoded data short).
     */
    public Optional<String> decodingProblem() {
        if (length == 0 || contentEncoding.isEmpty()) {
            return Optional.empty();
        }
        String problem = BodyDecoding.decode(rawBytes(), contentEncoding, BodyDecoding.MAX_DECODED_BYTES).problem();
        return problem.isEmpty() ? Optional.empty() : Optional.of(problem);
    }

    /**
     * Whether the Content-Type says the body is text ({@code text/*}, JSON, XML, JavaScript, form data, GraphQL,
     * YAML, or any type with a charset parameter); decides, for example, between text and base64 in a HAR file.
     */
    public boolean isText() {
        String type = contentType.toLowerCase(Locale.ROOT);
        int semi = type.indexOf(';');
        String media = (semi < 0 ? type : type.substring(0, semi)).trim();
        return media.startsWith("text/") || media.endsWith("json") || media.endsWith("+json")
                || media.endsWith("xml") || media.contains("javascript") || media.contains("ecmascript")
                || media.equals("application/x-www-form-urlencoded") || media.contains("graphql")
                || media.contains("yaml") || !BodyDecoding.parameter(contentType, "charset").isEmpty();
    }

    /** The charset named by the Content-Type, or UTF-8. */
    public Charset charset() {
        return BodyDecoding.charsetOf(contentType);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Body other && size == other.size && truncated == other.truncated
                && contentType.equals(other.contentType) && contentEncoding.equals(other.contentEncoding)
                && Arrays.equals(bytes, 0, length, other.bytes, 0, other.length);
    }

    @Override
    public int hashCode() {
        int hash = 1;
        for (int i = 0; i < length; i++) {
            hash = 31 * hash + bytes[i];
        }
        return hash * 31 + Long.hashCode(size);
    }

    @Override
    public String toString() {
        return "Body[" + Sizes.describe(size) + (truncated ? ", truncated" : "")
                + (contentType.isEmpty() ? "" : ", " + contentType) + "]";
    }
}
