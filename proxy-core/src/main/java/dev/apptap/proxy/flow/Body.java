package dev.apptap.proxy.flow;

import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.Objects;

/**
 * A recorded message body: the first bytes as they travelled (still content-encoded), how many bytes
 * there were in all, and whether the recording stopped short of them.
 *
 * <pre>{@code
 * Body body = flow.request().body();
 * body.text();        // decoded from gzip/deflate/br/zstd, in the charset of its Content-Type
 * body.size();        // bytes on the wire, even past the recording limit
 * body.isTruncated(); // true when only the first bytes were kept
 * }</pre>
 */
public final class Body {

    /** No body. */
    public static final Body EMPTY = new Body(new byte[0], 0, false, "", "");

    private final byte[] bytes;
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
        this.bytes = Objects.requireNonNull(bytes, "bytes");
        this.size = size;
        this.truncated = truncated;
        this.contentType = Objects.requireNonNull(contentType, "contentType");
        this.contentEncoding = Objects.requireNonNull(contentEncoding, "contentEncoding");
    }

    /** The recorded bytes as they travelled (content-encoded); a copy. */
    public byte[] rawBytes() {
        return bytes.clone();
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

    /** The recorded bytes with the content encoding removed; see {@link BodyDecoding}. */
    public byte[] bytes() {
        return BodyDecoding.decode(bytes, contentEncoding);
    }

    /** The decoded bytes as text, in the charset of the Content-Type (UTF-8 when it names none). */
    public String text() {
        return new String(bytes(), charset());
    }

    /** The charset named by the Content-Type, or UTF-8. */
    public Charset charset() {
        return BodyDecoding.charsetOf(contentType);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Body other && size == other.size && truncated == other.truncated
                && contentType.equals(other.contentType) && contentEncoding.equals(other.contentEncoding)
                && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes) * 31 + Long.hashCode(size);
    }

    @Override
    public String toString() {
        return "Body[" + Sizes.describe(size) + (truncated ? ", truncated" : "")
                + (contentType.isEmpty() ? "" : ", " + contentType) + "]";
    }
}
