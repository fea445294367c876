package dev.apptap.proxy.har;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.InflaterInputStream;

/**
 * Reads the request/response pairs of a HAR 1.2 file: apptap's own ({@link HarWriter}), a browser's (Chrome and
 * Firefox "Save all as HAR") or mitmproxy's {@code savehar} (also its zlib-compressed {@code .zhar}). Only what a replay needs is read, and leniently: optional
 * fields may be missing, bodies may be text or base64, and vendor fields ({@code _resourceType}, {@code _process})
 * are ignored. Entries without a response (status 0: a refused certificate, a request the browser blocked) and
 * non-HTTP entries are left out.
 *
 * <pre>{@code
 * for (HarReader.Exchange exchange : HarReader.read(Path.of("api.har"))) {
 *     System.out.println(exchange.method() + " " + exchange.url() + " -> " + exchange.status());
 * }
 * }</pre>
 *
 * <p>Jackson's tree rather than a typed HAR library (see the README's design section): a replay reads a dozen
 * fields and must shrug off whatever else browsers and mitmproxy write.
 */
public final class HarReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HarReader() {
    }

    /**
     * One recorded request and its response; bodies are decoded (HAR stores them without content encoding). Trailers
     * come from apptap's own {@code _trailers} field (HAR has none), so other writers' HARs have none.
     *
     * @param entry             the entry's index in {@code log.entries}, from 0
     * @param webSocketMessages a WebSocket's text and binary messages in order (Chrome's and apptap's
     *                          {@code _webSocketMessages}); empty for other exchanges
     * @param webSocketClose    how the WebSocket was closed (apptap's {@code _webSocketClose}), or {@code null}
     */
    public record Exchange(int entry, String method, String url, List<Map.Entry<String, String>> requestHeaders,
                           byte[] requestBody, int status, List<Map.Entry<String, String>> responseHeaders,
                           byte[] responseBody, List<Map.Entry<String, String>> responseTrailers,
                           List<WebSocketMessage> webSocketMessages, WebSocketClose webSocketClose) {
    }

    /**
     * One WebSocket message of a HAR entry.
     *
     * @param sent whether the app sent it ({@code "send"}), rather than received it
     * @param text whether it is a text message (opcode 1), rather than binary (opcode 2, Base64 in the HAR)
     */
    public record WebSocketMessage(boolean sent, boolean text, byte[] data) {
    }

    /**
     * The close of a recorded WebSocket.
     *
     * @param byServer whether the server closed first, rather than the app
     */
    public record WebSocketClose(boolean byServer, int code, String reason) {
    }

    /**
     * The exchanges of a HAR file, in the order of its entries.
     *
     * @throws IOException whose message is a sentence naming the file and what is wrong with it
     */
    public static List<Exchange> read(Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        JsonNode root;
        try {
            byte[] bytes = Files.readAllBytes(absolute);
            // mitmproxy writes a .zhar as zlib-compressed JSON; JSON itself never starts with 0x78.
            if (bytes.length > 1 && bytes[0] == 0x78) {
                try (InputStream inflated = new InflaterInputStream(new ByteArrayInputStream(bytes))) {
                    bytes = inflated.readAllBytes();
                }
            }
            root = JSON.readTree(bytes);
        } catch (NoSuchFileException e) {
            throw new IOException("The HAR file " + absolute + " does not exist.", e);
        } catch (JsonProcessingException e) {
            throw new IOException("The HAR file " + absolute + " is not JSON: " + e.getOriginalMessage() + ".", e);
        } catch (IOException e) {
            if (!Files.isReadable(absolute)) {
                throw new IOException("The HAR file " + absolute + " does not exist or cannot be read.", e);
            }
            throw new IOException("apptap could not read the HAR file " + absolute + ": " + e.getMessage() + ".", e);
        }
        JsonNode entries = root == null ? null : root.path("log").get("entries");
        if (entries == null || !entries.isArray()) {
            throw new IOException("The file " + absolute + " is not a HAR file: it has no log.entries array.");
        }
        List<Exchange> exchanges = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            JsonNode entry = entries.get(i);
            JsonNode request = entry.path("request");
            JsonNode response = entry.path("response");
            String method = request.path("method").asText("");
            String url = request.path("url").asText("");
            int status = response.path("status").asInt(0);
            if (method.isEmpty() || url.isEmpty() || method.equalsIgnoreCase("CONNECT")
                    || entry.path("_tcp").asBoolean(false) || status <= 0) {
                continue;
            }
            exchanges.add(new Exchange(i, method.toUpperCase(Locale.ROOT), url, headers(request.path("headers")),
                    requestBody(request.path("postData")), status, headers(response.path("headers")),
                    content(response.path("content")), headers(response.path("_trailers")),
                    webSocketMessages(entry.path("_webSocketMessages")), webSocketClose(entry.path("_webSocketClose"))));
        }
        return List.copyOf(exchanges);
    }

    private static List<WebSocketMessage> webSocketMessages(JsonNode array) {
        List<WebSocketMessage> messages = new ArrayList<>();
        for (JsonNode message : array) {
            String type = message.path("type").asText("");
            int opcode = message.path("opcode").asInt(1);
            if (!type.equals("send") && !type.equals("receive") || opcode != 1 && opcode != 2) {
                continue; // Chrome lists only text and binary messages; anything else is no message to replay
            }
            String data = message.path("data").asText("");
            byte[] bytes;
            try {
                bytes = opcode == 1 ? data.getBytes(StandardCharsets.UTF_8) : Base64.getMimeDecoder().decode(data);
            } catch (IllegalArgumentException e) {
                bytes = data.getBytes(StandardCharsets.UTF_8); // a writer that did not encode binary: take its text
            }
            messages.add(new WebSocketMessage(type.equals("send"), opcode == 1, bytes));
        }
        return List.copyOf(messages);
    }

    private static WebSocketClose webSocketClose(JsonNode close) {
        if (!close.isObject()) {
            return null;
        }
        return new WebSocketClose(close.path("type").asText("").equals("receive"), close.path("code").asInt(1000),
                close.path("reason").asText(""));
    }

    private static List<Map.Entry<String, String>> headers(JsonNode array) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (JsonNode header : array) {
            String name = header.path("name").asText("");
            if (!name.isEmpty()) {
                headers.add(Map.entry(name, header.path("value").asText("")));
            }
        }
        return headers;
    }

    /** {@code text}, or (browsers' form posts) {@code params} encoded as a form. */
    private static byte[] requestBody(JsonNode postData) {
        if (postData.hasNonNull("text")) {
            return decode(postData, postData.path("mimeType").asText(""));
        }
        StringBuilder form = new StringBuilder();
        for (JsonNode param : postData.path("params")) {
            if (!form.isEmpty()) {
                form.append('&');
            }
            form.append(URLEncoder.encode(param.path("name").asText(""), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(param.path("value").asText(""), StandardCharsets.UTF_8));
        }
        return form.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] content(JsonNode content) {
        if (!content.hasNonNull("text")) {
            return new byte[0];
        }
        return decode(content, content.path("mimeType").asText(""));
    }

    private static byte[] decode(JsonNode holder, String mimeType) {
        String text = holder.path("text").asText("");
        if ("base64".equalsIgnoreCase(holder.path("encoding").asText(""))) {
            try {
                return Base64.getMimeDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                // A writer that says base64 but wrote text: take the text.
            }
        }
        return text.getBytes(charsetOf(mimeType));
    }

    private static Charset charsetOf(String mimeType) {
        for (String part : mimeType.split(";")) {
            String p = part.strip();
            if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                try {
                    return Charset.forName(p.substring(8).replace("\"", "").strip());
                } catch (IllegalArgumentException e) {
                    return StandardCharsets.UTF_8;
                }
            }
        }
        return StandardCharsets.UTF_8;
    }
}
