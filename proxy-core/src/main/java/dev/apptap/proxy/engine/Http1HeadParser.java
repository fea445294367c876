package dev.apptap.proxy.engine;

import dev.apptap.flow.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads an HTTP/1 request or response head where it lies in a buffer, without moving the buffer's reader index:
 * {@code null} while the head is incomplete, an {@link Http1Head} once its empty line is there, or a
 * {@link BadHead} for anything that is not a well-formed head within the limits. Lines are found by index, and the
 * only objects made are the strings the flow records (one per name and value) and the head itself.
 *
 * <pre>{@code
 * Http1HeadParser parser = new Http1HeadParser(8192, 4096);
 * Http1Head head = parser.request(buf);     // null: wait for more bytes
 * ByteBuf bytes = buf.readRetainedSlice(head.length());
 * }</pre>
 */
final class Http1HeadParser {

    /** A head that is not HTTP/1, or is over the limits; the message says which, for the flow's error. */
    static final class BadHead extends Exception {
        BadHead(String message) {
            super(message, null, false, false);
        }
    }

    private final int maxHeaderSize;
    private final int maxInitialLineLength;
    /**
     * Where the search for the head's end resumes, from the reader index: a head arriving a byte at a time is not
     * searched anew each time. The caller keeps unread bytes in place until the head is complete.
     */
    private int resumeAt;

    Http1HeadParser(int maxHeaderSize, int maxInitialLineLength) {
        this.maxHeaderSize = maxHeaderSize;
        this.maxInitialLineLength = maxInitialLineLength;
    }

    Http1Head request(ByteBuf in) throws BadHead {
        return parse(in, true);
    }

    Http1Head response(ByteBuf in) throws BadHead {
        return parse(in, false);
    }

    private Http1Head parse(ByteBuf in, boolean request) throws BadHead {
        int start = in.readerIndex();
        int end = in.writerIndex();
        // blank lines between messages are tolerated, as Netty's decoder and most servers do
        while (start < end && isLineBreak(in.getByte(start))) {
            start++;
        }
        int headEnd = findHeadEnd(in, start, end);
        if (headEnd < 0) {
            int firstLine = in.forEachByte(start, end - start, ByteProcessor.FIND_LF);
            if (firstLine < 0 && end - start > maxInitialLineLength) {
                throw new BadHead("the first line is longer than " + maxInitialLineLength + " bytes");
            }
            if (end - start > maxInitialLineLength + maxHeaderSize) {
                throw new BadHead("the header block is larger than " + maxHeaderSize + " bytes");
            }
            return null;
        }
        resumeAt = 0;
        int lineEnd = in.forEachByte(start, headEnd - start, ByteProcessor.FIND_LF);
        int firstEnd = trimCr(in, start, lineEnd);
        if (firstEnd - start > maxInitialLineLength) {
            throw new BadHead("the first line is longer than " + maxInitialLineLength + " bytes");
        }
        if (headEnd - lineEnd > maxHeaderSize) {
            throw new BadHead("the header block is larger than " + maxHeaderSize + " bytes");
        }
        Fields fields = new Fields();
        int at = lineEnd + 1;
        while (true) {
            int lf = in.forEachByte(at, headEnd - at, ByteProcessor.FIND_LF);
            int contentEnd = trimCr(in, at, lf);
            if (contentEnd == at) {
                break;
            }
            fields.add(in, at, contentEnd);
            at = lf + 1;
        }
        int length = headEnd - in.readerIndex();
        return request ? requestLine(in, start, firstEnd, fields, length)
                : statusLine(in, start, firstEnd, fields, length);
    }

    /** The index just past the empty line that ends the head, or -1 while it has not arrived. */
    private int findHeadEnd(ByteBuf in, int start, int end) {
        int from = Math.max(start, in.readerIndex() + resumeAt);
        while (from < end) {
            int lf = in.forEachByte(from, end - from, ByteProcessor.FIND_LF);
            if (lf < 0) {
                break;
            }
            int next = lf + 1;
            if (next < end && in.getByte(next) == '\n') {
                return next + 1;
            }
            if (next + 1 < end && in.getByte(next) == '\r' && in.getByte(next + 1) == '\n') {
                return next + 2;
            }
            if (next >= end || next + 1 >= end && in.getByte(next) == '\r') {
                resumeAt = lf - in.readerIndex(); // the line after this one may still turn out empty
                return -1;
            }
            from = next;
        }
        resumeAt = end - in.readerIndex();
        return -1;
    }

    private Http1Head requestLine(ByteBuf in, int start, int end, Fields fields, int length) throws BadHead {
        int firstSpace = in.indexOf(start, end, (byte) ' ');
        int lastSpace = lastIndexOf(in, start, end, (byte) ' ');
        if (firstSpace <= start || lastSpace <= firstSpace + 1) {
            throw new BadHead("the request line is not 'METHOD target HTTP/1.x'");
        }
        for (int i = start; i < firstSpace; i++) {
            if (!isToken(in.getByte(i))) {
                throw new BadHead("the method is not a token");
            }
        }
        for (int i = firstSpace + 1; i < lastSpace; i++) {
            byte b = in.getByte(i);
            if (b <= ' ' || b == 0x7f) {
                throw new BadHead("the request target contains a space or a control character");
            }
        }
        String version = version(in, lastSpace + 1, end);
        String method = ascii(in, start, firstSpace);
        String target = ascii(in, firstSpace + 1, lastSpace);
        if (fields.chunked && fields.contentLength >= 0) {
            throw new BadHead("the request has both Content-Length and Transfer-Encoding");
        }
        if (fields.otherCoding) {
            throw new BadHead("the request's Transfer-Encoding does not end in chunked");
        }
        return new Http1Head(length, method, target, 0, null, version, fields.headers(), fields.contentLength,
                fields.chunked, false, fields.keepAlive(version), fields.host);
    }

    private Http1Head statusLine(ByteBuf in, int start, int end, Fields fields, int length) throws BadHead {
        int firstSpace = in.indexOf(start, end, (byte) ' ');
        if (firstSpace < 0 || end - firstSpace < 4) {
            throw new BadHead("the status line is not 'HTTP/1.x code reason'");
        }
        String version = version(in, start, firstSpace);
        int status = 0;
        for (int i = firstSpace + 1; i < firstSpace + 4; i++) {
            byte b = in.getByte(i);
            if (b < '0' || b > '9') {
                throw new BadHead("the status code is not three digits");
            }
            status = status * 10 + b - '0';
        }
        if (status < 100 || firstSpace + 4 < end && in.getByte(firstSpace + 4) != ' ') {
            throw new BadHead("the status code is not three digits");
        }
        String reason = firstSpace + 5 < end ? ascii(in, firstSpace + 5, end) : "";
        return new Http1Head(length, null, null, status, reason, version, fields.headers(), fields.contentLength,
                fields.chunked, fields.otherCoding, fields.keepAlive(version), null);
    }

    private static String version(ByteBuf in, int start, int end) throws BadHead {
        if (end - start == 8 && in.getByte(start) == 'H' && in.getByte(start + 1) == 'T' && in.getByte(start + 2) == 'T'
                && in.getByte(start + 3) == 'P' && in.getByte(start + 4) == '/' && in.getByte(start + 5) == '1'
                && in.getByte(start + 6) == '.') {
            byte minor = in.getByte(start + 7);
            if (minor == '1') {
                return "HTTP/1.1";
            }
            if (minor == '0') {
                return "HTTP/1.0";
            }
        }
        throw new BadHead("the version is not HTTP/1.0 or HTTP/1.1");
    }

    /** The header fields of one head, and what they say about framing and the connection. */
    private static final class Fields {
        private String[] namesAndValues = new String[24];
        private int n;
        long contentLength = -1;
        boolean chunked;
        boolean otherCoding;
        boolean close;
        boolean keepAliveToken;
        String host;

        void add(ByteBuf in, int start, int end) throws BadHead {
            byte first = in.getByte(start);
            if (first == ' ' || first == '\t') {
                throw new BadHead("a header line is folded (obsolete line folding)");
            }
            int colon = in.indexOf(start, end, (byte) ':');
            if (colon <= start) {
                throw new BadHead("a header line has no name and colon");
            }
            for (int i = start; i < colon; i++) {
                if (!isToken(in.getByte(i))) {
                    throw new BadHead("a header name contains a character that is not allowed");
                }
            }
            int valueStart = colon + 1;
            int valueEnd = end;
            while (valueStart < valueEnd && isWhitespace(in.getByte(valueStart))) {
                valueStart++;
            }
            while (valueEnd > valueStart && isWhitespace(in.getByte(valueEnd - 1))) {
                valueEnd--;
            }
            for (int i = valueStart; i < valueEnd; i++) {
                byte b = in.getByte(i);
                if ((b < ' ' && b != '\t') || b == 0x7f) {
                    throw new BadHead("a header value contains a control character");
                }
            }
            String name = ascii(in, start, colon);
            String value = ascii(in, valueStart, valueEnd);
            if (n == namesAndValues.length) {
                namesAndValues = Arrays.copyOf(namesAndValues, n * 2);
            }
            namesAndValues[n++] = name;
            namesAndValues[n++] = value;
            note(name, value);
        }

        private void note(String name, String value) throws BadHead {
            switch (name.length()) {
                case 4 -> {
                    if (name.equalsIgnoreCase("host") && host == null) {
                        host = value;
                    }
                }
                case 10 -> {
                    if (name.equalsIgnoreCase("connection")) {
                        for (String token : value.split(",")) {
                            String t = token.trim();
                            close |= t.equalsIgnoreCase("close");
                            keepAliveToken |= t.equalsIgnoreCase("keep-alive");
                        }
                    }
                }
                case 14 -> {
                    if (name.equalsIgnoreCase("content-length")) {
                        long length = parseLength(value);
                        if (contentLength >= 0 && contentLength != length) {
                            throw new BadHead("the head has two different Content-Length values");
                        }
                        contentLength = length;
                    }
                }
                case 17 -> {
                    if (name.equalsIgnoreCase("transfer-encoding")) {
                        int comma = value.lastIndexOf(',');
                        String last = (comma < 0 ? value : value.substring(comma + 1)).trim();
                        boolean endsChunked = last.equalsIgnoreCase("chunked");
                        chunked = endsChunked;
                        otherCoding = !endsChunked;
                    }
                }
                default -> {
                }
            }
        }

        private static long parseLength(String value) throws BadHead {
            if (value.isEmpty() || value.length() > 18) {
                throw new BadHead("the Content-Length is not a number");
            }
            long length = 0;
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c < '0' || c > '9') {
                    throw new BadHead("the Content-Length is not a number");
                }
                length = length * 10 + c - '0';
            }
            return length;
        }

        boolean keepAlive(String version) {
            return !close && ("HTTP/1.1".equals(version) || keepAliveToken);
        }

        Headers headers() {
            return n == 0 ? Headers.EMPTY : Headers.of(Arrays.copyOf(namesAndValues, n));
        }
    }

    private static int trimCr(ByteBuf in, int start, int lf) {
        return lf > start && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
    }

    private static int lastIndexOf(ByteBuf in, int start, int end, byte value) {
        for (int i = end - 1; i >= start; i--) {
            if (in.getByte(i) == value) {
                return i;
            }
        }
        return -1;
    }

    private static String ascii(ByteBuf in, int start, int end) {
        return in.toString(start, end - start, StandardCharsets.ISO_8859_1);
    }

    private static boolean isLineBreak(byte b) {
        return b == '\r' || b == '\n';
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t';
    }

    /** RFC 9110 tchar. */
    private static boolean isToken(byte b) {
        if (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9') {
            return true;
        }
        return b > ' ' && b < 0x7f && "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
    }
}
