package dev.apptap.proxy.engine;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apptap.flow.FlowStore;
import dev.apptap.proxy.testing.CountingAllocator;
import dev.apptap.proxy.testing.FuzzInput;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;

/**
 * Any bytes as the HTTP/2 frames an app sends after the connection preface, taken by the engine's h2 relay side
 * ({@link Http2Relay}: Netty's frame codec with the engine's settings and the
 * {@link Http2FrameRelay} with one {@link Http2RelayedStream} per stream, so HPACK header blocks, DATA, flow control, resets, GOAWAY and SETTINGS are
 * all in play) with stubs answering by host, query, header and body and everything else answered offline: the relay
 * answers, resets or closes without an unhandled exception or an unreleased buffer. The harness sends the preface
 * itself. Seeds ({@code Http2FrameFuzzTestInputs/}): curl's prior-knowledge GET, JSON POST and two requests on one
 * connection, after their preface.
 */
class Http2FrameFuzzTest {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final FlowStore FLOWS = new FlowStore(64);
    private static final EngineRuntime RUNTIME = EngineFuzzing.runtime(FLOWS, EngineFuzzing.stubsAndOffline());


    @FuzzTest(maxDuration = "5m")
    void relayAnswersResetsOrClosesEveryStreamWithoutLeaking(byte[] input) {
        FLOWS.clear();
        CountingAllocator alloc = new CountingAllocator();
        EmbeddedChannel app = EngineFuzzing.appConnection(alloc);
        app.pipeline().addLast(Http2Relay.NAME, new Http2Relay(EngineFuzzing.connection(RUNTIME)));
        app.writeInbound(alloc.copy(PREFACE));
        EngineFuzzing.feed(app, alloc, input);
        EngineFuzzing.windDown(app);
        alloc.assertAllReleased(FuzzInput.describe(input));
    }
}
