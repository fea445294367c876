package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.HttpRequest;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.testing.CountingAllocator;
import dev.apptap.proxy.testing.FuzzInput;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Any bytes as what an app sends on a plain HTTP/1 connection, parsed as the engine parses them (Netty's server
 * codec with the engine's limits, then {@link Http1Relay}) and decided by stubs that look at the host, the query,
 * headers and a JSON body, with everything else answered offline: the relay records, answers or closes without an
 * unhandled exception or an unreleased buffer, whatever the request line, headers, chunking or body. Seeds
 * ({@code Http1RequestFuzzTestInputs/}): requests of curl and wget (GET, JSON POST, chunked PUT, WebSocket and h2c
 * upgrades), pipelined requests, absolute-form and malformed ones. Each input goes to the codec relay, to the byte
 * relay ({@link Http1ByteRelay}, which hands rules and bad heads to the codec relay) with those rules and without any,
 * and to the proxy port's pipeline (absolute URLs, CONNECT tunnels); recorded URLs must parse.
 */
class Http1RequestFuzzTest {

    private static final FlowStore FLOWS = new FlowStore(64);
    private static final EngineRuntime RUNTIME = EngineFuzzing.runtime(FLOWS, EngineFuzzing.stubsAndOffline());
    /** Without rules the byte relay forwards (to an upstream that cannot be reached here, so it answers 502). */
    private static final EngineRuntime NO_RULES = EngineFuzzing.runtime(FLOWS, new RuleSet());


    @FuzzTest(maxDuration = "5m")
    void relayAnswersOrClosesEveryRequestWithoutLeaking(byte[] input) {
        FLOWS.clear();
        CountingAllocator alloc = new CountingAllocator();

        EmbeddedChannel transparent = EngineFuzzing.appConnection(alloc);
        transparent.pipeline().addLast(Pipelines.HTTP_CODEC, Pipelines.newServerCodec(RUNTIME.settings()));
        transparent.pipeline().addLast(Pipelines.HTTP_RELAY, new Http1Relay(EngineFuzzing.connection(RUNTIME)));
        EngineFuzzing.feed(transparent, alloc, input);
        EngineFuzzing.windDown(transparent);

        // the transparent listener's pipeline as installed: the byte relay, with rules and without
        for (EngineRuntime runtime : new EngineRuntime[]{RUNTIME, NO_RULES}) {
            EmbeddedChannel bytes = EngineFuzzing.appConnection(alloc);
            bytes.pipeline().addLast(Pipelines.HTTP_RELAY, new Http1ByteRelay(EngineFuzzing.connection(runtime)));
            EngineFuzzing.feed(bytes, alloc, input);
            EngineFuzzing.windDown(bytes);
        }

        // the same bytes sent to apptap's proxy port: absolute URLs, CONNECT and what follows a tunnel
        EmbeddedChannel explicit = EngineFuzzing.appConnection(alloc);
        explicit.pipeline().addLast(Pipelines.HTTP_CODEC, Pipelines.newServerCodec(RUNTIME.settings()));
        explicit.pipeline().addLast(ExplicitProxyHandler.NAME, new ExplicitProxyHandler(
                EmbeddedConnections.connection(RUNTIME, ConnectionContext.Entry.EXPLICIT)));
        EngineFuzzing.feed(explicit, alloc, input);
        EngineFuzzing.windDown(explicit);

        alloc.assertAllReleased(FuzzInput.describe(input));
        for (Flow flow : FLOWS.flows()) {
            if (flow instanceof HttpFlow http) {
                HttpRequest request = http.request();
                assertThat(request.path()).as("the path of %s", request.url()).startsWith("/");
                request.query();
                request.host();
                request.scheme();
            }
        }
    }
}
