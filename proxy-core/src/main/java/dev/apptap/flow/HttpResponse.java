package dev.apptap.flow;

import java.util.Objects;

/**
 * An HTTP response as the app received it.
 *
 * @param status   the status code
 * @param reason   the reason phrase ({@code OK}); empty over HTTP/2
 * @param version  {@code HTTP/1.1}, {@code HTTP/1.0} or {@code HTTP/2}
 * @param headers  the header fields in the order received
 * @param body     the body, as far as it was recorded
 * @param trailers trailer fields (chunked or HTTP/2 trailers), empty when there were none
 */
public record HttpResponse(int status, String reason, String version, Headers headers, Body body,
                           Headers trailers) {

    public HttpResponse {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(trailers, "trailers");
    }

    /** This response with another body (it grew, or the recording ended). */
    public HttpResponse withBody(Body newBody) {
        return new HttpResponse(status, reason, version, headers, newBody, trailers);
    }

    public HttpResponse withTrailers(Headers newTrailers) {
        return new HttpResponse(status, reason, version, headers, body, newTrailers);
    }
}
