package dev.apptap.proxy.rules;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Answer a request locally. Immutable: each {@code with…} returns a new response.
 *
 * <pre>{@code
 * respond(200).withBody("ok")                                  // text/plain; charset=utf-8
 * respond(404).withHeader("X-Reason", "gone")                  // empty body
 * respond(200).withJsonBody(Map.of("id", 1))                   // application/json via Jackson
 * respondJson(201, "{\"id\":1}")                              // the JSON text as given (checked to be JSON)
 * respondWithFile(200, Path.of("fixtures/app.tar.gz"))         // streamed by the engine, not held in memory
 * respond(503).withDelay(Duration.ofSeconds(2))                // answered after two seconds
 * respond(200).withBody(body).withFault(Fault.closeAfterBodyBytes(512))   // cut off after 512 body bytes
 * }</pre>
 *
 * <p>A body sets a default Content-Type (text, JSON, or guessed from a file's name); a Content-Type header given with
 * {@link #withHeader} wins whatever the order of the calls. The engine adds the framing (Content-Length, or h2 DATA
 * frames) and must not take any from {@link #headers()}.
 */
public final class Respond implements Action {

    /** Where the body comes from: bytes held here, or a file the engine streams. */
    public sealed interface Content permits Content.Inline, Content.FromFile {

        /** How many bytes the body has. */
        long length();

        /** Bytes held in memory; not copied, so do not change them. */
        record Inline(byte[] bytes) implements Content {
            static final Inline EMPTY = new Inline(new byte[0]);

            public Inline {
                Objects.requireNonNull(bytes, "bytes");
            }

            @Override
            public long length() {
                return bytes.length;
            }
        }

        /**
         * A file, streamed by the engine when the response is sent.
         *
         * @param size the file's size when the stub was made; the engine sends Content-Length from it, so a file that
         *             changes afterwards must be stubbed again
         */
        record FromFile(Path path, long size) implements Content {
            @Override
            public long length() {
                return size;
            }
        }
    }

    private static final String CONTENT_TYPE = "Content-Type";

    private final int status;
    private final List<Map.Entry<String, String>> headers;
    private final String defaultContentType;
    private final Content content;
    private final Duration delay;
    private final List<Map.Entry<String, String>> trailers;
    private final Fault fault;
    private final WebSocketScript webSocket;

    private Respond(int status, List<Map.Entry<String, String>> headers, String defaultContentType, Content content,
            Duration delay, List<Map.Entry<String, String>> trailers, Fault fault, WebSocketScript webSocket) {
        this.status = status;
        this.headers = List.copyOf(headers);
        this.defaultContentType = defaultContentType;
        this.content = content;
        this.delay = delay;
        this.trailers = List.copyOf(trailers);
        this.fault = fault;
        this.webSocket = webSocket;
    }

    static Respond status(int status) {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status " + status + " is not an HTTP status (100 to 999)");
        }
        return new Respond(status, List.of(), null, Content.Inline.EMPTY, Duration.ZERO, List.of(), null, null);
    }

    public int status() {
        return status;
    }

    /** The headers to send, in order, with the body's default Content-Type unless one was set. */
    public List<Map.Entry<String, String>> headers() {
        if (defaultContentType == null || hasHeader(CONTENT_TYPE)) {
            return headers;
        }
        List<Map.Entry<String, String>> all = new ArrayList<>(headers.size() + 1);
        all.add(Map.entry(CONTENT_TYPE, defaultContentType));
        all.addAll(headers);
        return List.copyOf(all);
    }

    public Content content() {
        return content;
    }

    /** How long the engine waits before it answers; zero for no wait. */
    public Duration delay() {
        return delay;
    }

    /** Adds a header (repeat the call for repeated headers such as Set-Cookie). */
    public Respond withHeader(String name, String value) {
        return new Respond(status, plus(headers, name, value), defaultContentType, content, delay, trailers, fault,
                webSocket);
    }

    /**
     * Adds a trailer, sent after the body (gRPC's {@code grpc-status}) and recorded on the flow: over h2 as a trailing
     * HEADERS frame, over HTTP/1.1 in the last chunk of a chunked body (HTTP/1.0 apps get the body alone).
     */
    public Respond withTrailer(String name, String value) {
        return new Respond(status, headers, defaultContentType, content, delay, plus(trailers, name, value), fault,
                webSocket);
    }

    /**
     * Answers a WebSocket upgrade with 101 and then plays {@code script} as the server (HTTP/1.1 only). The status
     * must be 101; the answer's headers go with the 101 (Sec-WebSocket-Protocol, cookies), and apptap adds the
     * handshake's own.
     *
     * @throws IllegalStateException if the status is not 101
     */
    public Respond withWebSocket(WebSocketScript script) {
        Objects.requireNonNull(script, "script");
        if (status != 101) {
            throw new IllegalStateException("Only a 101 answer can carry a WebSocket script, but this one answers "
                    + status + "; use respond(101).withWebSocket(script).");
        }
        return new Respond(status, headers, defaultContentType, content, delay, trailers, fault, script);
    }

    /** The WebSocket played after a 101, or {@code null} for a plain answer. */
    public WebSocketScript webSocket() {
        return webSocket;
    }

    /** The trailers to send after the body, in order; usually none. */
    public List<Map.Entry<String, String>> trailers() {
        return trailers;
    }

    /** A text body in UTF-8; Content-Type {@code text/plain; charset=utf-8} unless set. */
    public Respond withBody(String text) {
        return withContent(new Content.Inline(text.getBytes(StandardCharsets.UTF_8)), "text/plain; charset=utf-8");
    }

    /** A binary body (copied); Content-Type {@code application/octet-stream} unless set. */
    public Respond withBody(byte[] bytes) {
        return withContent(new Content.Inline(bytes.clone()), "application/octet-stream");
    }

    /**
     * A JSON body: a String is sent as given once checked to be JSON; anything else (a {@code JsonNode}, a map, a
     * record) is serialized by Jackson. Content-Type {@code application/json} unless set.
     *
     * @throws IllegalArgumentException if a String is not JSON or an object cannot be serialized
     */
    public Respond withJsonBody(Object json) {
        byte[] bytes;
        if (json instanceof String text) {
            Json.parse(text, "the JSON response body");
            bytes = text.getBytes(StandardCharsets.UTF_8);
        } else {
            bytes = Json.serialize(json);
        }
        return withContent(new Content.Inline(bytes), "application/json");
    }

    /**
     * A body streamed from a file; Content-Type guessed from the file name unless set.
     *
     * @throws IllegalArgumentException if the file is not a readable regular file (so a wrong path fails the test
     *                                  when the stub is made, not in the app)
     */
    public Respond withBodyFromFile(Path file) {
        Objects.requireNonNull(file, "file");
        Path absolute = file.toAbsolutePath();
        if (!Files.isRegularFile(absolute) || !Files.isReadable(absolute)) {
            throw new IllegalArgumentException(absolute + " is not a readable file, so it cannot be a response body");
        }
        long size;
        try {
            size = Files.size(absolute);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the size of " + absolute + ": " + e.getMessage(), e);
        }
        return withContent(new Content.FromFile(absolute, size), contentTypeOf(absolute));
    }

    /** Waits this long before answering, to test an app's timeouts and spinners. */
    public Respond withDelay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay " + delay + " is negative");
        }
        return new Respond(status, headers, defaultContentType, content, delay, trailers, fault, webSocket);
    }

    /**
     * Answers with a fault on the wire: {@code respond(200).withBody(body).withFault(Fault.closeAfterBodyBytes(512))}
     * cuts the body off after 512 bytes, {@code respond(200).withFault(Fault.connectionReset())} resets the
     * connection instead of answering. One fault per response; a later call replaces it.
     */
    public Respond withFault(Fault fault) {
        Objects.requireNonNull(fault, "fault");
        return new Respond(status, headers, defaultContentType, content, delay, trailers, fault, webSocket);
    }

    /** The fault apptap applies when it sends this response, if any. */
    public Optional<Fault> fault() {
        return Optional.ofNullable(fault);
    }

    @Override
    public String describe() {
        StringBuilder text = new StringBuilder("respond ").append(status);
        if (content.length() > 0) {
            text.append(" (").append(content.length()).append(" B");
            headers().stream().filter(h -> h.getKey().equalsIgnoreCase(CONTENT_TYPE)).findFirst()
                    .ifPresent(h -> text.append(' ').append(h.getValue()));
            if (content instanceof Content.FromFile file) {
                text.append(" from ").append(file.path());
            }
            text.append(')');
        }
        if (webSocket != null) {
            text.append(" and play a ").append(webSocket);
        }
        if (!delay.isZero()) {
            text.append(" after ").append(delay.toMillis()).append(" ms");
        }
        if (fault != null) {
            text.append(", then ").append(fault.describe());
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return describe();
    }

    private Respond withContent(Content content, String contentType) {
        return new Respond(status, headers, contentType, content, delay, trailers, fault, webSocket);
    }

    private static List<Map.Entry<String, String>> plus(List<Map.Entry<String, String>> fields, String name,
            String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        List<Map.Entry<String, String>> more = new ArrayList<>(fields);
        more.add(Map.entry(name, value));
        return more;
    }

    private boolean hasHeader(String name) {
        for (Map.Entry<String, String> header : headers) {
            if (header.getKey().equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static String contentTypeOf(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1);
        // A fixed table rather than Files.probeContentType: that one depends on the OS's MIME database.
        return switch (extension) {
            case "json" -> "application/json";
            case "txt", "log" -> "text/plain; charset=utf-8";
            case "html", "htm" -> "text/html; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "js", "mjs" -> "text/javascript; charset=utf-8";
            case "xml" -> "application/xml";
            case "csv" -> "text/csv; charset=utf-8";
            case "png" -> "image/png";
            case "jpg", "jpeg" -> "image/jpeg";
            case "gif" -> "image/gif";
            case "svg" -> "image/svg+xml";
            case "webp" -> "image/webp";
            case "pdf" -> "application/pdf";
            case "zip" -> "application/zip";
            case "gz", "tgz" -> "application/gzip";
            case "wasm" -> "application/wasm";
            default -> "application/octet-stream";
        };
    }
}
