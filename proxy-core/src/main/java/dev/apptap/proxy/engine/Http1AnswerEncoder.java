package dev.apptap.proxy.engine;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Frames apptap's own answer (a stub, a replayed response, the offline 502) as one HTTP/1.1 response. An answer with
 * trailers (gRPC-Web's status, a checksum) goes chunked, the trailers in the last chunk and announced by a
 * {@code Trailer} header, whenever the app asked in HTTP/1.1; otherwise the body has a Content-Length.
 *
 * <pre>{@code
 * FullHttpResponse response = Http1AnswerEncoder.encode(answer, "HTTP/1.1", false);
 * ctx.writeAndFlush(response);   // Netty's encoder writes a FullHttpResponse marked chunked as one chunk + trailers
 * }</pre>
 *
 * <p>Why not only when the request says {@code TE: trailers}: RFC 9110 §6.5.1 lets any recipient discard trailer
 * fields it does not want, and every HTTP/1.1 recipient must understand the chunked coding (RFC 9112 §7.1); the
 * keyword (§10.1.4) only promises that the client will not discard them. A stub's trailers are there for the app to
 * read, and most clients that do (curl, Node's {@code response.trailers}) never send the keyword, so apptap sends them
 * to every HTTP/1.1 request. An HTTP/1.0 app cannot take chunks, so it gets the body without the trailers.
 */
final class Http1AnswerEncoder {

    /**
     * Fields RFC 9110 §6.5.1 keeps out of trailers (framing, routing, how to process the content): as trailers a
     * client would ignore them or misread the message, so apptap leaves them out.
     */
    private static final Set<String> NOT_TRAILERS = Set.of("content-length", "transfer-encoding", "trailer", "host",
            "content-type", "content-encoding", "connection");

    private Http1AnswerEncoder() {
    }

    /**
     * @param requestVersion the app's request version ({@code HTTP/1.1}, {@code HTTP/1.0})
     * @param close          whether the connection ends after this response
     */
    static FullHttpResponse encode(RuleStep.Answer answer, String requestVersion, boolean close) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(answer.status()), Unpooled.wrappedBuffer(answer.body()));
        answer.headers().forEach(field -> response.headers().add(field.getKey(), field.getValue()));
        Set<String> announced = new LinkedHashSet<>();
        if (!HttpVersion.HTTP_1_0.text().equalsIgnoreCase(requestVersion)) {
            for (Map.Entry<String, String> trailer : answer.trailers()) {
                if (!NOT_TRAILERS.contains(trailer.getKey().toLowerCase(Locale.ROOT))) {
                    response.trailingHeaders().add(trailer.getKey(), trailer.getValue());
                    announced.add(trailer.getKey());
                }
            }
        }
        if (announced.isEmpty()) {
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, answer.body().length);
        } else {
            response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
                    .set(HttpHeaderNames.TRAILER, String.join(", ", announced));
        }
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }
}
