package dev.apptap.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NettyLeakDetectionTest {

    @Test
    void aLeakedBufferFailsWithWhereItWasCreated() {
        leakOneBuffer();

        // The buffer becomes garbage at the GC's leisure, so give the detector a few passes.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThatThrownBy(() -> NettyLeakDetection.verifyNoLeaks("the deliberate leak"))
                        .isInstanceOf(AssertionError.class)
                        .hasMessageStartingWith("Netty reported 1 leak by the end of the deliberate leak")
                        .hasMessageContaining("LEAK: ByteBuf.release() was not called")
                        .hasMessageContaining("leakOneBuffer"));
    }

    @Test
    void releasedBuffersPassAndTheFactoryWasInstalledBeforeNettyNeededIt() {
        ByteBuf buffer = ByteBufAllocator.DEFAULT.buffer(16).writeInt(7);
        buffer.release();

        // verifyNoLeaks also checks that Netty's ByteBuf detector is the collecting one.
        NettyLeakDetection.verifyNoLeaks("a clean test");
        assertThat(NettyLeakDetection.detectLeaks()).isEmpty();
    }

    private static void leakOneBuffer() {
        ByteBuf leaked = ByteBufAllocator.DEFAULT.directBuffer(64);
        leaked.writeLong(42);
        // Deliberately not released: the reference dies when this method returns.
    }
}
