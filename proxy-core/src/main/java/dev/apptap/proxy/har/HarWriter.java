package dev.apptap.proxy.har;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apptap.flow.Body;
import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.Headers;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.HttpRequest;
import dev.apptap.flow.HttpResponse;
import dev.apptap.flow.ProcessInfo;
import dev.apptap.flow.TcpFlow;
import dev.apptap.flow.WebSocketMessage;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * apptap's one HAR 1.2 writer (http://www.softwareishard.com/blog/har-12-spec/), shared by the JUnit extension and
 * the CLI so that both write the same file for the same flows. Every entry carries apptap's own {@code _process}
 * (pid, name, executable, command line, and {@code container} with id, name, image and in-container pid when it runs in
 * one) and {@code _error} (kind and sentence, or null) fields, and a response with trailers (gRPC) a {@code _trailers}
 * list shaped like {@code headers}; connections that
 * did not speak HTTP (including TLS the app refused) are entries with method {@code CONNECT}, status 0 and
 * {@code _tcp} set, so a refused certificate shows up in HAR viewers too. DNS flows have no HAR form and are left
 * out.
 *
 * <pre>{@code
 * HarWriter.write(flowStore.flows(), Path.of("target/apptap/run.har"));
 * }</pre>
 */
public final class HarWriter {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HarWriter() {
    }

    /**
     * Writes {@code flows} to {@code file}, creating its directory. The file is replaced in one step, so a reader
     * never sees half a HAR, and a write that fails (a full disk) leaves nothing behind.
     *
     * @throws IOException whose message is a sentence naming the file and why it could not be written, to which
     *                     callers add how to fix it in their own terms (a setting, an option)
     */
    public static void write(List<? extends Flow> flows, Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path temporary = absolute.resolveSibling(absolute.getFileName() + ".tmp");
        try {
            Files.createDirectories(absolute.getParent());
            JSON.writeValue(temporary.toFile(), toHar(flows));
            Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // the directory itself is unusable; nothing was left there
            }
            throw new IOException("apptap could not write the HAR file " + absolute + " (" + reason(e) + ").", e);
        }
    }

    /** "No space left on device", "Read-only file system", "permission denied": the part of the error that says why. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException denied) {
            return "permission denied for " + denied.getFile();
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason() + " at " + fs.getFile();
        }
        if (e instanceof FileSystemException fs) {
            return e.getClass().getSimpleName() + " for " + fs.getFile();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The HAR document for {@code flows}, as a Jackson tree (the root object with its {@code log}). */
    public static ObjectNode toHar(List<? extends Flow> flows) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode log = root.putObject("log");
        log.put("version", "1.2");
        ObjectNode creator = log.putObject("creator");
        creator.put("name", "apptap");
        creator.put("version", version());
        log.putArray("pages");
        ArrayNode entries = log.putArray("entries");
        for (Flow flow : flows) {
            if (flow instanceof DnsFlow) {
                continue;
            }
            entries.add(entry(flow));
        }
        return root;
    }

    static ObjectNode entry(Flow flow) {
        ObjectNode entry = JSON.createObjectNode();
        entry.put("startedDateTime", flow.startedAt().toString());
        if (flow instanceof HttpFlow http) {
            httpEntry(entry, http);
        } else if (flow instanceof TcpFlow tcp) {
            tcpEntry(entry, tcp);
        }
        entry.putObject("cache");
        if (!flow.server().address().isEmpty()) {
            entry.put("serverIPAddress", flow.server().address());
        }
        entry.put("connection", String.valueOf(flow.client().port()));
        entry.set("_process", process(flow.process()));
        entry.set("_error", flow.error().map(HarWriter::error).orElse(null));
        entry.put("_flowId", flow.id());
        entry.put("_complete", flow.isComplete());
        flow.tls().ifPresent(tls -> {
            ObjectNode t = entry.putObject("_tls");
            t.put("sni", tls.sni());
            t.put("version", tls.version());
            t.put("alpn", tls.alpn());
            t.put("passthrough", tls.passthrough());
        });
        return entry;
    }

    private static void httpEntry(ObjectNode entry, HttpFlow flow) {
        HttpFlow.Timings timings = flow.timings();
        long send = millis(timings.requestComplete());
        long wait = Math.max(0, millis(timings.waiting()));
        long total = millis(timings.total());
        long receive = Math.max(0, total - send - wait);
        entry.put("time", Math.max(total, send + wait + receive));
        entry.set("request", request(flow.request()));
        entry.set("response", flow.response().map(HarWriter::response).orElseGet(HarWriter::noResponse));
        ObjectNode t = entry.putObject("timings");
        t.put("blocked", -1);
        t.put("dns", -1);
        t.put("connect", -1);
        t.put("ssl", -1);
        t.put("send", send);
        t.put("wait", wait);
        t.put("receive", receive);
        if (!flow.webSocket().isEmpty()) {
            webSocketMessages(entry, flow);
        }
    }

    /**
     * The messages of an upgraded flow the way Chrome's DevTools exports them, so that HAR viewers show them:
     * {@code _resourceType: "websocket"} and {@code _webSocketMessages}, each {@code {type: "send"|"receive", time:
     * <epoch seconds>, opcode: 1|2, data}}, binary payloads in Base64. Like Chrome, only text and binary messages are
     * listed; pings, pongs and the close are on the flow ({@link HttpFlow#webSocket()}). Who closed first, with which
     * code, goes in apptap's own {@code _webSocketClose} ({@code {type: "send"|"receive", code, reason}}), which a
     * replay follows.
     */
    private static void webSocketMessages(ObjectNode entry, HttpFlow flow) {
        entry.put("_resourceType", "websocket");
        ArrayNode messages = entry.putArray("_webSocketMessages");
        for (WebSocketMessage message : flow.webSocket()) {
            boolean text = message.type() == WebSocketMessage.Type.TEXT;
            if (!text && message.type() != WebSocketMessage.Type.BINARY) {
                continue;
            }
            ObjectNode m = messages.addObject();
            m.put("type", message.direction() == WebSocketMessage.Direction.FROM_APP ? "send" : "receive");
            Instant at = flow.startedAt().plus(message.at());
            m.put("time", at.getEpochSecond() + at.getNano() / 1e9);
            m.put("opcode", text ? 1 : 2);
            m.put("data", text ? message.text() : Base64.getEncoder().encodeToString(message.payload().rawBytes()));
        }
        // HAR viewers ignore it; a replay closes as the recording did (type as in the messages: who sent the close)
        flow.webSocket().stream().filter(m -> m.type() == WebSocketMessage.Type.CLOSE).findFirst().ifPresent(close -> {
            ObjectNode c = entry.putObject("_webSocketClose");
            c.put("type", close.direction() == WebSocketMessage.Direction.FROM_APP ? "send" : "receive");
            c.put("code", close.closeCode() < 0 ? 1005 : close.closeCode());
            c.put("reason", close.text());
        });
    }

    private static void tcpEntry(ObjectNode entry, TcpFlow flow) {
        long lasted = flow.duration().map(Duration::toMillis).orElse(0L);
        entry.put("time", lasted);
        ObjectNode request = entry.putObject("request");
        request.put("method", "CONNECT");
        request.put("url", (flow.tls().isPresent() ? "https://" : "http://") + flow.server().authority() + "/");
        request.put("httpVersion", "HTTP/1.1");
        request.putArray("cookies");
        request.putArray("headers");
        request.putArray("queryString");
        request.put("headersSize", -1);
        request.put("bodySize", flow.fromClient().size());
        entry.set("response", noResponse());
        ObjectNode t = entry.putObject("timings");
        t.put("send", 0);
        t.put("wait", 0);
        t.put("receive", lasted);
        entry.put("_tcp", true);
        entry.put("_sentBytes", flow.fromClient().size());
        entry.put("_receivedBytes", flow.fromServer().size());
    }

    private static ObjectNode request(HttpRequest request) {
        ObjectNode node = JSON.createObjectNode();
        node.put("method", request.method());
        node.put("url", request.url());
        node.put("httpVersion", request.version());
        node.putArray("cookies");
        node.set("headers", headers(request.headers()));
        ArrayNode query = node.putArray("queryString");
        if (!request.query().isEmpty()) {
            for (String pair : request.query().split("&")) {
                int eq = pair.indexOf('=');
                ObjectNode q = query.addObject();
                q.put("name", decode(eq < 0 ? pair : pair.substring(0, eq)));
                q.put("value", eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        Body body = request.body();
        if (!body.isEmpty()) {
            ObjectNode post = node.putObject("postData");
            post.put("mimeType", body.contentType());
            putText(post, body);
        }
        node.put("headersSize", -1);
        node.put("bodySize", body.size());
        return node;
    }

    private static ObjectNode response(HttpResponse response) {
        ObjectNode node = JSON.createObjectNode();
        node.put("status", response.status());
        node.put("statusText", response.reason());
        node.put("httpVersion", response.version());
        node.putArray("cookies");
        node.set("headers", headers(response.headers()));
        ObjectNode content = node.putObject("content");
        Body body = response.body();
        content.put("size", body.isTruncated() ? body.size() : body.bytes().length);
        content.put("mimeType", body.contentType());
        if (!body.isEmpty()) {
            putText(content, body);
        }
        if (body.isTruncated()) {
            content.put("comment", "apptap recorded only the first " + body.recordedSize() + " bytes.");
        }
        if (!response.trailers().asList().isEmpty()) {
            // HAR has no field for trailers; gRPC's status travels in them, and a replay sends them back.
            node.set("_trailers", headers(response.trailers()));
        }
        node.put("redirectURL", response.headers().first("Location").orElse(""));
        node.put("headersSize", -1);
        node.put("bodySize", body.size());
        return node;
    }

    /** HAR's way to say "no response": status 0 and empty fields. */
    private static ObjectNode noResponse() {
        ObjectNode node = JSON.createObjectNode();
        node.put("status", 0);
        node.put("statusText", "");
        node.put("httpVersion", "");
        node.putArray("cookies");
        node.putArray("headers");
        ObjectNode content = node.putObject("content");
        content.put("size", 0);
        content.put("mimeType", "");
        node.put("redirectURL", "");
        node.put("headersSize", -1);
        node.put("bodySize", -1);
        return node;
    }

    private static void putText(ObjectNode target, Body body) {
        if (body.isText()) {
            target.put("text", body.text());
        } else {
            target.put("text", Base64.getEncoder().encodeToString(body.bytes()));
            target.put("encoding", "base64");
        }
    }

    private static ArrayNode headers(Headers headers) {
        ArrayNode array = JSON.createArrayNode();
        for (Map.Entry<String, String> field : headers.asList()) {
            ObjectNode h = array.addObject();
            h.put("name", field.getKey());
            h.put("value", field.getValue());
        }
        return array;
    }

    /**
     * The {@code _process} object: pid, name, executable, command line, and {@code container} (id, name, image, pid
     * inside) when the process runs in one. The CLI's JSON lines use the same object.
     */
    public static ObjectNode process(ProcessInfo process) {
        ObjectNode node = JSON.createObjectNode();
        node.put("pid", process.pid());
        node.put("name", process.name());
        node.put("executable", process.executable());
        ArrayNode commandLine = node.putArray("commandLine");
        process.commandLine().forEach(commandLine::add);
        process.container().ifPresent(container -> {
            ObjectNode c = node.putObject("container");
            c.put("id", container.id());
            c.put("name", container.name());
            c.put("image", container.image());
            c.put("pid", container.pid());
        });
        return node;
    }

    /** The {@code _error} node ({@code kind, message}), shared with the CLI's {@code --json} lines like {@link #process}. */
    public static ObjectNode error(FlowError error) {
        ObjectNode node = JSON.createObjectNode();
        node.put("kind", error.kind().name());
        node.put("message", error.message());
        return node;
    }

    private static long millis(Optional<Duration> duration) {
        return duration.map(Duration::toMillis).orElse(0L);
    }

    private static String decode(String raw) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }

    static String version() {
        String version = HarWriter.class.getPackage().getImplementationVersion();
        return version != null ? version : "dev";
    }
}
