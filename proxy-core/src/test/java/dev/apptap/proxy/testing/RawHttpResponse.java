package dev.apptap.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An HTTP/1.1 response read off a raw socket, for tests that must control the bytes on the wire (pipelining,
 * trailers, huge bodies) where an HTTP client library would hide them. It never reads past the end of the
 * response, so pipelined responses can be read one after another from the same stream (wrap the socket's
 * stream in a {@link java.io.BufferedInputStream} for speed).
 *
 * @param status     e.g. 200
 * @param statusLine e.g. {@code HTTP/1.1 200 OK}
 * @param headers    header lines in order
 * @param body       the body, or empty when it went to a sink
 * @param bodyLength the body's length in bytes as received (after de-chunking)
 * @param trailers   trailer lines of a chunked body
 */
public record RawHttpResponse(int status, String statusLine, List<Map.Entry<String, String>> headers, byte[] body,
                              long bodyLength, List<Map.Entry<String, String>> trailers) {

    /** Reads one response and keeps its body in memory. */
    public static RawHttpResponse read(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        RawHttpResponse response = read(in, body);
        return new RawHttpResponse(response.status, response.statusLine, response.headers, body.toByteArray(),
                response.bodyLength, response.trailers);
    }

    /** Reads one response and streams its body into {@code sink}, e.g. {@link BytePattern#verifier()}. */
    public static RawHttpResponse read(InputStream in, OutputStream sink) throws IOException {
        String statusLine = line(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("The server answered with \"" + statusLine + "\", which is not an HTTP status line.");
        }
        int status = Integer.parseInt(parts[1]);
        List<Map.Entry<String, String>> headers = fields(in);
        RawHttpResponse head = new RawHttpResponse(status, statusLine, headers, new byte[0], 0, List.of());
        long length;
        List<Map.Entry<String, String>> trailers = List.of();
        if (status / 100 == 1 || status == 204 || status == 304) {
            length = 0;
        } else if (head.header("Transfer-Encoding").map(v -> v.toLowerCase().contains("chunked")).orElse(false)) {
            length = 0;
            for (long size; (size = Long.parseLong(line(in).split(";", 2)[0].trim(), 16)) > 0; ) {
                copy(in, sink, size);
                length += size;
                if (!line(in).isEmpty()) {
                    throw new IOException("A chunk of the response did not end where its size said it would.");
                }
            }
            trailers = fields(in);
        } else if (head.header("Content-Length").isPresent()) {
            length = Long.parseLong(head.header("Content-Length").get().trim());
            copy(in, sink, length);
        } else {
            length = copy(in, sink, Long.MAX_VALUE);
        }
        return new RawHttpResponse(status, statusLine, headers, new byte[0], length, trailers);
    }

    public Optional<String> header(String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst();
    }

    public Optional<String> trailer(String name) {
        return trailers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst();
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    private static List<Map.Entry<String, String>> fields(InputStream in) throws IOException {
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        for (String line; !(line = line(in)).isEmpty(); ) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("The header line \"" + line + "\" has no name.");
            }
            fields.add(Map.entry(line.substring(0, colon).trim(), line.substring(colon + 1).trim()));
        }
        return fields;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new EOFException("The connection ended in the middle of a response head"
                        + (line.size() > 0 ? " after \"" + line.toString(StandardCharsets.ISO_8859_1) + "\"." : "."));
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    private static long copy(InputStream in, OutputStream sink, long length) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long copied = 0;
        while (copied < length) {
            int read = in.read(buffer, 0, (int) Math.min(buffer.length, length - copied));
            if (read < 0) {
                if (length == Long.MAX_VALUE) {
                    break;
                }
                throw new EOFException("The connection ended after " + copied + " of " + length + " body bytes.");
            }
            sink.write(buffer, 0, read);
            copied += read;
        }
        return copied;
    }
}
