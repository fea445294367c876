package dev.apptap.proxy.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.charset.StandardCharsets;

/** The answers apptap itself gives an app: plain text whose body is the sentence that explains them. */
final class ErrorResponses {

    private ErrorResponses() {
    }

    static FullHttpResponse plain(ByteBufAllocator alloc, HttpResponseStatus status, String sentence) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                ByteBufUtil.writeUtf8(alloc, sentence + "\n"));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set("X-Apptap-Error", "true");
        return response;
    }

    /**
     * {@code response} as HTTP/1.1 bytes, for a connection without Netty's encoder ({@link Http1ByteRelay});
     * releases {@code response}.
     */
    static ByteBuf encode(ByteBufAllocator alloc, FullHttpResponse response) {
        try {
            StringBuilder head = new StringBuilder(128).append("HTTP/1.1 ").append(response.status().code())
                    .append(' ').append(response.status().reasonPhrase()).append("\r\n");
            response.headers().forEach(field -> head.append(field.getKey()).append(": ").append(field.getValue())
                    .append("\r\n"));
            head.append("\r\n");
            ByteBuf bytes = alloc.buffer(head.length() + response.content().readableBytes());
            bytes.writeCharSequence(head, StandardCharsets.ISO_8859_1);
            bytes.writeBytes(response.content(), response.content().readerIndex(), response.content().readableBytes());
            return bytes;
        } finally {
            response.release();
        }
    }

    /** 431 for a header block over the limit, 414 for a request line over it, else 400. */
    static HttpResponseStatus statusForMalformed(Throwable cause) {
        if (cause instanceof TooLongHttpHeaderException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        if (cause instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }
}
