package dev.apptap.redirector.linux;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * Git's smart HTTP protocol on 127.0.0.1 over TLS: each request runs {@code git http-backend} as a CGI program
 * (RFC 3875), the way Apache or nginx+fcgiwrap serve it, so the client side is exercised exactly as against a real
 * host. Every repository under {@code root} is exported.
 */
public final class GitSmartHttpServer implements AutoCloseable {

    private final HttpsServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Path root;
    /** "METHOD path?query" of each request, as git-remote-https sent it. */
    final List<String> requests = new CopyOnWriteArrayList<>();

    public GitSmartHttpServer(Path root, SSLContext tls) throws IOException {
        this.root = root;
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", this::cgi);
        server.setExecutor(threads);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void cgi(HttpExchange exchange) throws IOException {
        try (exchange) {
            String query = exchange.getRequestURI().getRawQuery();
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath()
                    + (query == null ? "" : "?" + query));
            ProcessBuilder builder = new ProcessBuilder("git", "http-backend");
            Map<String, String> env = builder.environment();
            env.put("GIT_PROJECT_ROOT", root.toString());
            env.put("GIT_HTTP_EXPORT_ALL", "1");
            env.put("GATEWAY_INTERFACE", "CGI/1.1");
            env.put("SERVER_PROTOCOL", "HTTP/1.1");
            env.put("REQUEST_METHOD", exchange.getRequestMethod());
            env.put("PATH_INFO", exchange.getRequestURI().getPath());
            env.put("QUERY_STRING", query == null ? "" : query);
            env.put("REMOTE_ADDR", exchange.getRemoteAddress().getAddress().getHostAddress());
            copyHeader(exchange, "Content-Type", env, "CONTENT_TYPE");
            // Without CONTENT_LENGTH (a chunked request) http-backend reads its stdin to the end, which is what we give it.
            copyHeader(exchange, "Content-Length", env, "CONTENT_LENGTH");
            copyHeader(exchange, "Content-Encoding", env, "HTTP_CONTENT_ENCODING");
            copyHeader(exchange, "Git-Protocol", env, "HTTP_GIT_PROTOCOL");
            builder.redirectError(ProcessBuilder.Redirect.DISCARD);
            Process backend = builder.start();
            threads.submit(() -> {
                try (InputStream in = exchange.getRequestBody(); OutputStream out = backend.getOutputStream()) {
                    in.transferTo(out);
                }
                return null;
            });
            byte[] output = backend.getInputStream().readAllBytes();
            try {
                backend.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(exchange, output);
        }
    }

    /** CGI output: header lines, a blank line, the body; {@code Status:} sets the status (200 when absent). */
    private static void respond(HttpExchange exchange, byte[] output) throws IOException {
        int split = indexOf(output, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        int bodyStart = split + 4;
        if (split < 0) {
            split = indexOf(output, "\n\n".getBytes(StandardCharsets.US_ASCII));
            bodyStart = split + 2;
        }
        if (split < 0) {
            exchange.sendResponseHeaders(502, -1);
            return;
        }
        int status = 200;
        for (String line : new String(output, 0, split, StandardCharsets.ISO_8859_1).split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Status")) {
                status = Integer.parseInt(value.split(" ")[0]);
            } else {
                exchange.getResponseHeaders().add(name, value);
            }
        }
        int length = output.length - bodyStart;
        exchange.sendResponseHeaders(status, length == 0 ? -1 : length);
        if (length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(output, bodyStart, length);
            }
        }
    }

    private static void copyHeader(HttpExchange exchange, String header, Map<String, String> env, String variable) {
        String value = exchange.getRequestHeaders().getFirst(header);
        if (value != null) {
            env.put(variable, value);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
