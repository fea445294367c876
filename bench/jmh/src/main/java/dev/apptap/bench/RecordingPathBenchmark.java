package dev.apptap.bench;

import dev.apptap.flow.BodyCapture;
import dev.apptap.flow.Endpoint;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.Headers;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.HttpRequest;
import dev.apptap.flow.HttpResponse;
import dev.apptap.flow.ProcessInfo;
import dev.apptap.flow.TlsInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What recording costs the engine per HTTP exchange, on the event loop, on top of relaying the bytes: the work
 * {@code HttpExchange} does for a 1 KiB request answered by a 1 KiB response, each body arriving in two chunks.
 * Four snapshots are published in the order the engine publishes them (request head, request end, response head,
 * response end), each built from scratch the way the engine builds it, bodies copied out of their captures again
 * every time, so the allocation a real exchange pays is paid here too.
 *
 * <p>Netty's header and buffer types are left out on purpose: their cost is the relay's, not the recording's, and
 * {@code HttpExchange} only iterates them into a list before {@link Headers#of(List)}.
 *
 * <p>The store is the default size, 100,000 flows, and is kept for the whole trial: after the first 100,000
 * exchanges every new flow evicts the oldest complete one, which is the state a long test suite ends up in. That
 * is around 4 KiB retained per flow, a few hundred MiB at the bound, so the fork gets a heap large enough that GC
 * of a full store does not dominate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RecordingPathBenchmark {

    private static final int BODY_LIMIT = 1 << 20;
    private static final int CHUNK = 512;

    private static final ProcessInfo PROCESS = new ProcessInfo(4242, "curl", "/usr/bin/curl",
            List.of("curl", "-sS", "https://api.example.test/v1/items?id=7"));
    private static final Endpoint CLIENT = new Endpoint("127.0.0.1", 51234, "127.0.0.1");
    private static final Endpoint SERVER = new Endpoint("api.example.test", 443, "203.0.113.7");
    private static final Optional<TlsInfo> TLS = Optional.of(new TlsInfo("api.example.test",
            List.of("h2", "http/1.1"), "http/1.1", "TLSv1.3", "TLS_AES_128_GCM_SHA256", false));
    private static final String URL = "https://api.example.test/v1/items?id=7";

    private final byte[] requestBytes = new byte[2 * CHUNK];
    private final byte[] responseBytes = new byte[2 * CHUNK];

    private FlowStore store;
    private FlowStore.Registration registration;
    // Read in tearDown so the JIT cannot treat the listener's work as dead.
    private long listenerSink;

    /** Whether a listener is attached, as when a test watches flows live or a recorder tails the store. */
    @Param({"false", "true"})
    public boolean listener;

    @Setup(Level.Trial)
    public void setUp() {
        ThreadLocalRandom.current().nextBytes(requestBytes);
        ThreadLocalRandom.current().nextBytes(responseBytes);
        store = new FlowStore(FlowStore.DEFAULT_MAX_FLOWS);
        if (listener) {
            // Touches the snapshot the way a real listener would (id, completeness, status) and nothing more.
            registration = store.addListener(snapshot -> {
                if (snapshot.isComplete() && snapshot instanceof HttpFlow http) {
                    listenerSink += http.id() ^ http.status();
                }
            });
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (registration != null) {
            registration.close();
            if (listenerSink == 0) {
                throw new IllegalStateException("The listener never saw a complete flow.");
            }
        }
    }

    @Benchmark
    public HttpFlow exchange() {
        Exchange x = new Exchange(store.nextId());

        x.requestHeaders = Headers.of(
                "Host", "api.example.test",
                "User-Agent", "curl/8.5.0",
                "Accept", "application/json",
                "Accept-Encoding", "gzip, deflate, br",
                "Accept-Language", "en-US,en;q=0.9",
                "Content-Type", "application/json; charset=utf-8",
                "Content-Length", "1024",
                "Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl",
                "X-Request-Id", "9b2f6c1e-5a3d-4e8f-9c7b-1d2e3f4a5b6c",
                "Connection", "keep-alive");
        x.publish(store);

        x.requestBody.append(requestBytes, 0, CHUNK);
        x.requestBody.append(requestBytes, CHUNK, CHUNK);
        x.requestComplete = x.elapsed();
        x.publish(store);

        x.responseHeaders = Headers.of(
                "Date", "Tue, 14 Jan 2025 10:15:30 GMT",
                "Content-Type", "application/json",
                "Content-Length", "1024",
                "Cache-Control", "no-store",
                "ETag", "\"5d8c72a5edda8d6a\"",
                "Vary", "Accept-Encoding",
                "Strict-Transport-Security", "max-age=63072000; includeSubDomains",
                "X-Content-Type-Options", "nosniff",
                "X-Request-Id", "9b2f6c1e-5a3d-4e8f-9c7b-1d2e3f4a5b6c",
                "Server", "nginx/1.25.3");
        x.responseHead = x.elapsed();
        x.publish(store);

        x.responseBody.append(responseBytes, 0, CHUNK);
        x.responseBody.append(responseBytes, CHUNK, CHUNK);
        x.responseComplete = x.elapsed();
        x.complete = true;
        return x.publish(store);
    }

    /**
     * The state {@code HttpExchange} keeps per exchange, and its {@code publish()} line for line, because that
     * class is package-private in the engine. Keep the two in step when the engine's recording changes.
     */
    private static final class Exchange {
        final long id;
        final Instant startedAt = Instant.now();
        final long startNanos = System.nanoTime();
        final BodyCapture requestBody = new BodyCapture(BODY_LIMIT);
        final BodyCapture responseBody = new BodyCapture(BODY_LIMIT);
        Headers requestHeaders = Headers.EMPTY;
        Headers responseHeaders;
        Duration requestComplete;
        Duration responseHead;
        Duration responseComplete;
        boolean complete;

        Exchange(long id) {
            this.id = id;
        }

        Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - startNanos);
        }

        HttpFlow publish(FlowStore store) {
            HttpRequest request = new HttpRequest("POST", URL, "HTTP/1.1", requestHeaders,
                    requestBody.toBody(requestHeaders.first("content-type").orElse(""),
                            requestHeaders.first("content-encoding").orElse("")));
            Optional<HttpResponse> response = responseHeaders != null
                    ? Optional.of(new HttpResponse(200, "OK", "HTTP/1.1", responseHeaders,
                    responseBody.toBody(responseHeaders.first("content-type").orElse(""),
                            responseHeaders.first("content-encoding").orElse("")), Headers.EMPTY))
                    : Optional.empty();
            HttpFlow.Timings timings = new HttpFlow.Timings(Optional.ofNullable(requestComplete),
                    Optional.ofNullable(responseHead), Optional.ofNullable(responseComplete));
            HttpFlow flow = new HttpFlow(id, startedAt, PROCESS, CLIENT, SERVER, TLS, request, response, timings,
                    Optional.empty(), complete);
            store.publish(flow);
            return flow;
        }
    }
}
