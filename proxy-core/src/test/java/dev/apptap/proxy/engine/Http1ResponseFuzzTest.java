package dev.apptap.proxy.engine;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apptap.flow.FlowStore;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.testing.CountingAllocator;
import dev.apptap.proxy.testing.FuzzInput;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;

/**
 * Any bytes as what a server answers to an app's HTTP/1 request (a WebSocket upgrade, so that a 101 leads into the
 * engine's WebSocket frame parser): the engine's upstream side (Netty's client codec, {@link Http1ServerSide}) and
 * {@link Http1Relay}, and the byte relay's ({@link Http1ByteServerSide}, {@link Http1ByteRelay}), record and pass on
 * the response, or fail the flow and close, without an unhandled exception or
 * an unreleased buffer, whatever the status line, headers, framing, content coding or frames. The upstream is an
 * EmbeddedChannel handed to the relay as the connection opened in advance. Seeds
 * ({@code Http1ResponseFuzzTestInputs/}): answers of Python's http.server and of a hand-written server (chunked
 * gzip JSON with a trailer, 100 Continue then 201, HTTP/1.0 read-to-close, SSE, a 101 and a WebSocket frame).
 */
class Http1ResponseFuzzTest {

    private static final byte[] REQUEST = ("GET /chat?room=1 HTTP/1.1\r\nHost: api.example.test\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    private static final FlowStore FLOWS = new FlowStore(64);
    private static final EngineRuntime RUNTIME = EngineFuzzing.runtime(FLOWS, new RuleSet());

    @FuzzTest(maxDuration = "5m")
    void relayRecordsOrFailsEveryResponseWithoutLeaking(byte[] input) {
        relay(input, false);
        relay(input, true);
    }

    /** @param bytes whether the byte relay ({@link Http1ByteRelay}, {@link Http1ByteServerSide}) relays, or the codec relay */
    private static void relay(byte[] input, boolean bytes) {
        FLOWS.clear();
        CountingAllocator alloc = new CountingAllocator();
        EmbeddedChannel upstream = alloc.channel();
        upstream.pipeline().addLast(new HeldInbound());
        ConnectionContext connection = EngineFuzzing.connection(RUNTIME);
        EmbeddedChannel app = EngineFuzzing.appConnection(alloc);
        connection.connectingInAdvance(app, upstream.eventLoop().<Channel>newSucceededFuture(upstream));
        if (bytes) {
            app.pipeline().addLast(Pipelines.HTTP_RELAY, new Http1ByteRelay(connection));
        } else {
            app.pipeline().addLast(Pipelines.HTTP_CODEC, Pipelines.newServerCodec(RUNTIME.settings()));
            app.pipeline().addLast(Pipelines.HTTP_RELAY, new Http1Relay(connection));
        }

        app.writeInbound(alloc.copy(REQUEST));
        app.runPendingTasks();
        EngineFuzzing.discardOutbound(upstream);
        EngineFuzzing.feed(upstream, alloc, input);
        app.runPendingTasks();
        EngineFuzzing.discardOutbound(app);

        EngineFuzzing.windDown(upstream);
        EngineFuzzing.windDown(app);
        alloc.assertAllReleased(FuzzInput.describe(input));
    }
}
