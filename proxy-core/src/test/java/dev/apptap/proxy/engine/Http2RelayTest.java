package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowStore;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.testing.CountingAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The app side of the h2 relay on EmbeddedChannel, for what only raw frames can say. */
class Http2RelayTest {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int GOAWAY = 0x7;
    private static final int PROTOCOL_ERROR = 0x1;

    /**
     * Found by ProtocolSnifferFuzzTest (input {@code h2-window-update-for-a-stream-never-opened}): the codec answered
     * with GOAWAY, then passed its error on to the end of the pipeline, where Netty logs it as unhandled.
     */
    @Test
    void answersAWindowUpdateForAStreamNeverOpenedWithGoAwayAndLeavesNoErrorUnhandled() {
        CountingAllocator alloc = new CountingAllocator();
        EmbeddedChannel app = EngineFuzzing.appConnection(alloc);
        app.pipeline().addLast(Http2Relay.NAME, new Http2Relay(EngineFuzzing.connection(EngineFuzzing.runtime(new FlowStore(), new RuleSet()))));

        ByteBuf frames = Unpooled.buffer()
                .writeBytes(PREFACE)
                .writeMedium(0).writeByte(0x4).writeByte(0).writeInt(0)                    // SETTINGS, empty
                .writeMedium(4).writeByte(0x8).writeByte(0).writeInt(0x35b5b5b5).writeInt(1); // WINDOW_UPDATE, stream never opened
        app.writeInbound(frames);

        app.checkException();
        assertThat(frameTypes(app)).contains(GOAWAY);
        assertThat(app.isOpen()).isFalse();
        app.finishAndReleaseAll();
        alloc.assertAllReleased("a WINDOW_UPDATE for a stream never opened");
    }

    /** The type of each frame the relay wrote to the app, checking that a GOAWAY says PROTOCOL_ERROR. */
    private static List<Integer> frameTypes(EmbeddedChannel app) {
        ByteBuf written = Unpooled.buffer();
        for (ByteBuf out; (out = app.readOutbound()) != null; ) {
            written.writeBytes(out);
            out.release();
        }
        List<Integer> types = new ArrayList<>();
        while (written.readableBytes() >= 9) {
            int length = written.readUnsignedMedium();
            int type = written.readUnsignedByte();
            written.skipBytes(5);
            types.add(type);
            if (type == GOAWAY) {
                assertThat(written.getInt(written.readerIndex() + 4)).as("the GOAWAY's error code").isEqualTo(PROTOCOL_ERROR);
            }
            written.skipBytes(Math.min(length, written.readableBytes()));
        }
        written.release();
        return types;
    }
}
