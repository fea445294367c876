package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apptap.proxy.engine.ProtocolSniffer.Protocol;
import dev.apptap.flow.FlowStore;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.testing.CountingAllocator;
import dev.apptap.proxy.testing.FuzzInput;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Any first bytes from an app: {@link ProtocolSniffer#detect} classifies them without throwing or consuming, never
 * changes its mind once decided as more bytes arrive, and never sees TLS inside TLS; the sniffer on a connection
 * then installs the pipeline for that protocol, which takes the rest of the bytes, the silence timer and the close
 * without an unhandled exception or an unreleased buffer. Seeds ({@code ProtocolSnifferFuzzTestInputs/}): real
 * ClientHellos of curl and openssl, HTTP/1 requests, the h2 preface, SSH and SMTP greetings.
 */
class ProtocolSnifferFuzzTest {

    private static final FlowStore FLOWS = new FlowStore(64);
    private static final EngineRuntime RUNTIME = EngineFuzzing.runtime(FLOWS, new RuleSet());

    @FuzzTest(maxDuration = "5m")
    void classifiesFirstBytesAndHandsThemToThatProtocolsPipeline(byte[] input) {
        Protocol whole = detect(input, input.length, false);
        assertThat(detect(input, input.length, true)).as("TLS inside TLS").isNotEqualTo(Protocol.TLS);
        for (int[] piece : FuzzInput.pieces(input)) {
            Protocol sofar = detect(input, piece[1], false);
            if (sofar != Protocol.UNDECIDED) {
                assertThat(whole).as("the decision after %d bytes of %s", piece[1], FuzzInput.describe(input))
                        .isEqualTo(sofar);
                break;
            }
        }

        FLOWS.clear();
        CountingAllocator alloc = new CountingAllocator();
        EmbeddedChannel channel = EngineFuzzing.appConnection(alloc);
        channel.pipeline().addLast(ProtocolSniffer.NAME, new ProtocolSniffer(EngineFuzzing.connection(RUNTIME), false));
        EngineFuzzing.feed(channel, alloc, input);
        EngineFuzzing.windDown(channel);
        alloc.assertAllReleased(FuzzInput.describe(input));
    }

    private static Protocol detect(byte[] input, int length, boolean insideTls) {
        // an offset into a larger buffer, as the cumulation of a real connection has after earlier reads
        ByteBuf buffer = Unpooled.buffer(length + 3).writeBytes(new byte[] {1, 2, 3}).writeBytes(input, 0, length);
        buffer.readerIndex(3);
        try {
            Protocol protocol = ProtocolSniffer.detect(buffer, insideTls);
            assertThat(buffer.readerIndex()).as("detect consumes nothing").isEqualTo(3);
            return protocol;
        } finally {
            buffer.release();
        }
    }
}
