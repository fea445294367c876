package dev.apptap.proxy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian's Chromium, headless, opening one page and driven over the DevTools protocol (a WebSocket on loopback):
 * evaluate JavaScript in the page, take screenshots. Only the JDK's HTTP client and Jackson, so it works offline.
 *
 * <pre>{@code
 * try (HeadlessChromium chromium = HeadlessChromium.open(file.toUri())) {
 *     int rows = chromium.evaluate("document.querySelectorAll('tr').length").asInt();
 * }
 * }</pre>
 */
public final class HeadlessChromium implements AutoCloseable {

    private static final Duration STEP = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final Path profile;
    private WebSocket socket;
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    private HeadlessChromium(Process process, Path profile) {
        this.process = process;
        this.profile = profile;
    }

    /** The Chromium executable, if installed. */
    public static Optional<Path> find() {
        return Stream.of("chromium", "chromium-browser", "google-chrome").map(Clients::find)
                .flatMap(Optional::stream).findFirst();
    }

    /** Starts Chromium on {@code page} and waits until the page has loaded. */
    public static HeadlessChromium open(URI page) throws IOException, InterruptedException {
        Path executable = find().orElseThrow(() -> new IllegalStateException("Chromium is not installed."));
        Path profile = Files.createTempDirectory("apptap-chromium");
        Process process = new ProcessBuilder(executable.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--hide-scrollbars", "--window-size=1400,1000",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, page.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            URI browser = URI.create(devToolsUrl(process));
            URI pageSocket = pageSocket(browser);
            HeadlessChromium chromium = new HeadlessChromium(process, profile);
            chromium.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(pageSocket, chromium.new Listener()).get(STEP.toSeconds(), TimeUnit.SECONDS);
            chromium.awaitLoaded(page);
            return chromium;
        } catch (IOException | InterruptedException | RuntimeException e) {
            stop(process, profile);
            throw e;
        } catch (Exception e) {
            stop(process, profile);
            throw new IOException("Chromium's DevTools connection failed: " + e, e);
        }
    }

    /** Evaluates {@code expression} in the page and returns its value (JSON-serialisable values only). */
    public JsonNode evaluate(String expression) throws IOException {
        ObjectNode params = JSON.createObjectNode();
        params.put("expression", expression);
        params.put("returnByValue", true);
        params.put("awaitPromise", true);
        JsonNode result = call("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new IOException("The page threw while evaluating " + expression + ": " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** A PNG of the whole page, written to {@code file}. */
    public void screenshot(Path file) throws IOException {
        ObjectNode params = JSON.createObjectNode();
        params.put("format", "png");
        params.put("captureBeyondViewport", true);
        JsonNode metrics = call("Page.getLayoutMetrics", JSON.createObjectNode());
        ObjectNode clip = params.putObject("clip");
        clip.put("x", 0);
        clip.put("y", 0);
        clip.put("width", 1400);
        clip.put("height", Math.min(4000, Math.max(600, metrics.path("cssContentSize").path("height").asDouble(1000))));
        clip.put("scale", 1);
        JsonNode shot = call("Page.captureScreenshot", params);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
    }

    private JsonNode call(String method, ObjectNode params) throws IOException {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        ObjectNode message = JSON.createObjectNode();
        message.put("id", id);
        message.put("method", method);
        message.set("params", params);
        socket.sendText(JSON.writeValueAsString(message), true).join();
        try {
            JsonNode response = answer.get(STEP.toSeconds(), TimeUnit.SECONDS);
            if (response.has("error")) {
                throw new IOException("Chromium refused " + method + ": " + response.get("error"));
            }
            return response.path("result");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting for Chromium to answer " + method + ".", e);
        } catch (Exception e) {
            throw e instanceof IOException io ? io : new IOException("Chromium did not answer " + method + ": " + e, e);
        }
    }

    /** Until the page, not the about:blank Chromium starts with, has loaded. */
    private void awaitLoaded(URI page) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + STEP.toNanos();
        String loaded = "document.readyState === 'complete' && location.href === " + JSON.writeValueAsString(page.toString());
        while (!evaluate(loaded).asBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("The page did not finish loading in Chromium within " + STEP.toSeconds() + " s.");
            }
            Thread.sleep(50);
        }
    }

    /** Chromium prints its browser WebSocket on stderr once it listens. */
    private static String devToolsUrl(Process process) throws IOException {
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                StringBuilder seen = new StringBuilder();
                for (String line; (line = err.readLine()) != null; ) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        url.complete(m.group(1));
                    } else if (!url.isDone()) {
                        seen.append(line).append('\n');
                    }
                }
                url.completeExceptionally(new IOException("Chromium exited before it listened:\n" + seen));
            } catch (IOException e) {
                url.completeExceptionally(e);
            }
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            return url.get(STEP.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("Chromium did not open its DevTools port: " + e.getMessage(), e);
        }
    }

    /** The page target's WebSocket, from {@code /json/list} on the same loopback port. */
    private static URI pageSocket(URI browser) throws IOException, InterruptedException {
        URI list = URI.create("http://" + browser.getAuthority() + "/json/list");
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(list).build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode target : JSON.readTree(response.body())) {
            if ("page".equals(target.path("type").asText())) {
                return URI.create(target.path("webSocketDebuggerUrl").asText());
            }
        }
        throw new IOException("Chromium lists no page target: " + response.body());
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    JsonNode message = JSON.readTree(text.toString());
                    if (message.has("id")) {
                        CompletableFuture<JsonNode> waiting = pending.remove(message.get("id").asInt());
                        if (waiting != null) {
                            waiting.complete(message);
                        }
                    }
                } catch (IOException e) {
                    // an event we cannot parse is not one we wait for
                }
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.abort();
        }
        stop(process, profile);
    }

    private static void stop(Process process, Path profile) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(profile)) {
            List<Path> all = files.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a profile left in the temp directory is harmless
        }
    }
}
