package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apptap.flow.FlowStore;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.testing.CountingAllocator;
import dev.apptap.proxy.testing.FuzzInput;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * Any bytes as an HPACK header block, decoded with the header-list limit the engine announces: it decodes, or fails
 * with an {@link Http2Exception} (which the frame codec turns into a reset or GOAWAY), never another exception; a
 * decoded list encodes and decodes back to itself; no buffer is left unreleased. Seeds
 * ({@code HpackFuzzTestInputs/}): the header blocks of curl's requests.
 */
class HpackFuzzTest {

    private static final long MAX_HEADER_LIST_SIZE =
            Http2Relay.settings(EmbeddedConnections.connection(EngineFuzzing.runtime(new FlowStore(1), new RuleSet()),
                    ConnectionContext.Entry.TRANSPARENT)).maxHeaderListSize();

    @FuzzTest(maxDuration = "5m")
    void decodesOrFailsWithAnHttp2ExceptionAndRoundTrips(byte[] input) throws Http2Exception {
        CountingAllocator alloc = new CountingAllocator();
        ByteBuf block = alloc.copy(input);
        Http2Headers headers;
        try {
            headers = new DefaultHttp2HeadersDecoder(true, MAX_HEADER_LIST_SIZE).decodeHeaders(1, block);
        } catch (Http2Exception refused) {
            return;
        } finally {
            block.release();
        }
        ByteBuf encoded = alloc.buffer();
        try {
            new DefaultHttp2HeadersEncoder().encodeHeaders(1, headers, encoded);
            Http2Headers again = new DefaultHttp2HeadersDecoder(true, Long.MAX_VALUE).decodeHeaders(1, encoded);
            assertThat(again).as("%s decoded, encoded and decoded again", FuzzInput.describe(input)).isEqualTo(headers);
        } finally {
            encoded.release();
        }
        alloc.assertAllReleased(FuzzInput.describe(input));
    }
}
