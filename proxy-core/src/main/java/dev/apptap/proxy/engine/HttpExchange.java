package dev.apptap.proxy.engine;

import dev.apptap.flow.BodyCapture;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.Headers;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.HttpRequest;
import dev.apptap.flow.HttpResponse;
import dev.apptap.flow.WebSocketMessage;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Records one HTTP exchange as it streams through the relay and publishes a new {@link HttpFlow} snapshot
 * at each phase: request head, request end, response head, response end (or failure). Bodies are copied
 * only up to the recording limit. Belongs to one connection's event loop.
 */
final class HttpExchange {

    private final ConnectionContext connection;
    private final long id;
    private final Instant startedAt = Instant.now();
    private final long startNanos = System.nanoTime();
    private final BodyCapture requestBody;
    private final BodyCapture responseBody;

    private String method = "";
    private String url = "";
    private String requestVersion = "";
    private Headers requestHeaders = Headers.EMPTY;
    private int status;
    private String reason = "";
    private String responseVersion = "";
    private Headers responseHeaders = Headers.EMPTY;
    private Headers trailers = Headers.EMPTY;
    private Duration requestComplete;
    private Duration responseHead;
    private Duration responseComplete;
    private FlowError error;
    private HttpFlow.Handling handling = HttpFlow.Handling.UPSTREAM;
    private boolean responseStarted;
    private boolean unpublished;
    private boolean bodyGrew;
    private boolean complete;
    private long lastPublishNanos;
    private final EventExecutor loop;
    private boolean catchUpScheduled;
    private boolean upgraded;
    private final List<WebSocketMessage> webSocket = new ArrayList<>();

    HttpExchange(ConnectionContext connection) {
        this(connection, null);
    }

    /** @param loop the connection's event loop, for a snapshot that catches up after a burst; may be null */
    HttpExchange(ConnectionContext connection, EventExecutor loop) {
        this.connection = connection;
        this.loop = loop;
        this.id = connection.runtime.settings().flows().nextId();
        int limit = connection.runtime.settings().bodyLimit();
        this.requestBody = new BodyCapture(limit);
        this.responseBody = new BodyCapture(limit);
    }

    /** An HTTP/1 request head: published at once when a body follows, else with the request's end. */
    void requestHead(String method, String url, String version, Iterable<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> headers) {
        requestHead(method, url, version, copy(headers));
    }

    /** As above, with the fields already read into {@link Headers} (by {@link Http1HeadParser}). */
    void requestHead(String method, String url, String version, Headers headers) {
        recordRequestHead(method, url, version, headers);
        // A request without a body ends at once, and its end publishes; a body may take long, so show the head now.
        if (requestHeaders.contains("content-length") || requestHeaders.contains("transfer-encoding")) {
            publish();
        }
    }

    /** An HTTP/2 request head; {@code bodyFollows} unless its HEADERS frame ended the stream. */
    void requestHead(String method, String url, Iterable<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> headers,
                     boolean bodyFollows) {
        recordRequestHead(method, url, "HTTP/2", copy(headers));
        if (bodyFollows) {
            publish();
        }
    }

    private void recordRequestHead(String method, String url, String version, Headers headers) {
        this.method = method;
        this.url = url;
        this.requestVersion = version;
        this.requestHeaders = headers;
        expectBody(requestBody, requestHeaders);
    }

    void requestContent(ByteBuf content) {
        TcpRelay.capture(requestBody, content);
    }

    void requestEnd() {
        requestComplete = elapsed();
        publish();
    }

    void responseHead(int status, String reason, String version, Iterable<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> headers) {
        responseHead(status, reason, version, copy(headers));
    }

    /** As above, with the fields already read into {@link Headers} (by {@link Http1HeadParser}). */
    void responseHead(int status, String reason, String version, Headers headers) {
        this.status = status;
        this.reason = reason;
        this.responseVersion = version;
        this.responseHeaders = headers;
        expectBody(responseBody, responseHeaders);
        this.responseStarted = true;
        responseHead = elapsed();
        unpublished = true;
    }

    /**
     * Publishes what changed since the last snapshot. A response head is not published on its own: its body
     * usually comes in the same read, and one snapshot for both halves what recording a small exchange costs.
     * Callers call this at the end of each read, so a slow body still shows its head at once.
     */
    void publishPending() {
        if (unpublished) {
            publish();
        } else if (bodyGrew) {
            publishWhileStreaming();
        }
    }

    private static void expectBody(BodyCapture capture, Headers headers) {
        String length = headers.firstOr("content-length", null);
        if (length != null) {
            try {
                capture.expect(Long.parseLong(length.trim()));
            } catch (NumberFormatException e) {
                // the codec rejects such a message; the capture just grows as the bytes come
            }
        }
    }

    /** Records a part of the response body; {@link #publishPending()} shows it, or the end does. */
    void responseContent(ByteBuf content) {
        // once the recording is full only the count grows, and the end will show it
        bodyGrew |= responseBody.remaining() > 0 && content.isReadable();
        TcpRelay.capture(responseBody, content);
    }

    /**
     * Long responses (Server-Sent Events, downloads) are visible while they stream: a snapshot at most every
     * {@value #LIVE_INTERVAL_MILLIS} ms while the recorded part still grows, so a test can wait for the first event.
     */
    private void publishWhileStreaming() {
        long waited = System.nanoTime() - lastPublishNanos;
        long interval = LIVE_INTERVAL_MILLIS * 1_000_000L;
        if (waited >= interval) {
            publish();
        } else if (loop != null && !catchUpScheduled) {
            // events that follow one another closely still show up, at most one interval late
            catchUpScheduled = true;
            loop.schedule(() -> {
                catchUpScheduled = false;
                if (!complete) {
                    publish();
                }
            }, interval - waited, TimeUnit.NANOSECONDS);
        }
    }

    private static final long LIVE_INTERVAL_MILLIS = 50;

    void responseEnd(Iterable<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> trailingHeaders) {
        responseEndWithTrailers(trailingHeaders == null ? null : copy(trailingHeaders));
    }

    /** As {@link #responseEnd}, with trailer fields already read into {@link Headers}; {@code null} for none. */
    void responseEndWithTrailers(Headers trailingHeaders) {
        if (trailingHeaders != null) {
            trailers = trailingHeaders;
        }
        responseComplete = elapsed();
        complete = true;
        publish();
    }

    /**
     * The 101 response went to the app: the head is complete, but the flow stays open for the WebSocket
     * messages until {@link #upgradedConnectionClosed()}.
     */
    void upgradeAccepted() {
        upgraded = true;
        responseComplete = elapsed();
        publish();
    }

    void webSocketMessage(WebSocketObserver.Partial message) {
        webSocket.add(new WebSocketMessage(message.direction(), message.type(), message.payload(),
                message.size(), message.closeCode(), elapsed()));
        publish();
    }

    void upgradedConnectionClosed() {
        if (!complete) {
            complete = true;
            publish();
        }
    }

    /**
     * Ends the exchange with {@code failure}; the first failure wins, later ones change nothing, and a fault apptap
     * applied stays the flow's error (the app's disconnect after a reset is the fault's doing).
     */
    void fail(FlowError failure) {
        if (complete) {
            return;
        }
        if (error == null || error.kind() != FlowError.Kind.FAULT) {
            error = failure;
        }
        complete = true;
        publish();
    }

    /** A rule's fault is applied to this exchange: {@code fault} says what apptap did; published with the next snapshot. */
    void faulted(FlowError fault) {
        if (!complete) {
            error = fault;
        }
    }

    /** Who answers this exchange (a stub, a route, apptap offline); published with the next snapshot. */
    void handledBy(HttpFlow.Handling by) {
        this.handling = by;
    }

    /** The Sec-WebSocket-Extensions the server agreed to, lower-cased, or an empty string. */
    String agreedWebSocketExtensions() {
        return String.join(",", responseHeaders.all("sec-websocket-extensions")).toLowerCase(Locale.ROOT);
    }

    /** The request's HTTP version as the app sent it ({@code HTTP/1.1}, {@code HTTP/2}). */
    String requestVersion() {
        return requestVersion;
    }

    /** The request's first {@code name} header field, or {@code null}. */
    String requestHeader(String name) {
        return requestHeaders.firstOr(name, null);
    }

    /** Whether the request asked to upgrade to WebSocket. */
    boolean isWebSocket() {
        return requestHeaders.first("upgrade").map(v -> v.equalsIgnoreCase("websocket")).orElse(false);
    }

    boolean isUpgraded() {
        return upgraded;
    }

    boolean isComplete() {
        return complete;
    }

    boolean responseStarted() {
        return responseStarted;
    }

    boolean requestComplete() {
        return requestComplete != null;
    }

    String method() {
        return method;
    }

    String url() {
        return url;
    }

    private Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private void publish() {
        unpublished = false;
        bodyGrew = false;
        lastPublishNanos = System.nanoTime();
        HttpRequest request = new HttpRequest(method, url, requestVersion, requestHeaders,
                requestBody.toBody(requestHeaders.firstOr("content-type", ""),
                        requestHeaders.firstOr("content-encoding", "")));
        Optional<HttpResponse> response = responseStarted
                ? Optional.of(new HttpResponse(status, reason, responseVersion, responseHeaders,
                responseBody.toBody(responseHeaders.firstOr("content-type", ""),
                        responseHeaders.firstOr("content-encoding", "")), trailers))
                : Optional.empty();
        HttpFlow.Timings timings = new HttpFlow.Timings(Optional.ofNullable(requestComplete),
                Optional.ofNullable(responseHead), Optional.ofNullable(responseComplete));
        connection.runtime.settings().flows().publish(new HttpFlow(id, startedAt, connection.process,
                connection.client, connection.server(), connection.tlsInfo(), request, response, timings,
                Optional.ofNullable(error), complete, handling, webSocket));
    }

    /** Header fields in order; HTTP/2 pseudo-headers ({@code :path}) are left out, the flow has them as fields. */
    private static Headers copy(Iterable<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> headers) {
        // HTTP/1 headers iterate as CharSequences without the String entries their Iterable<String> view makes
        Iterator<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> fields =
                headers instanceof HttpHeaders http1 ? http1.iteratorCharSequence()
                        : headers.iterator();
        String[] namesAndValues = new String[16];
        int n = 0;
        while (fields.hasNext()) {
            Map.Entry<? extends CharSequence, ? extends CharSequence> field = fields.next();
            CharSequence name = field.getKey();
            if (name.length() > 0 && name.charAt(0) == ':') {
                continue;
            }
            if (n == namesAndValues.length) {
                namesAndValues = Arrays.copyOf(namesAndValues, n * 2);
            }
            namesAndValues[n++] = name.toString();
            namesAndValues[n++] = field.getValue().toString();
        }
        return n == 0 ? Headers.EMPTY : Headers.of(Arrays.copyOf(namesAndValues, n));
    }
}
