package dev.apptap.proxy.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * A buffer allocator for one fuzz input whose counters prove that every buffer it handed out was released.
 *
 * <p>Netty's leak detector only notices a leak once the buffer is garbage collected, so in a fuzzing loop it
 * blames a later input (or none). An {@link UnpooledByteBufAllocator} counts the bytes of the buffers it has
 * outstanding: give each input its own, make it the channel's allocator, and check the count is zero once the
 * channel is finished. The exact input that leaked then fails, at once and without a GC.
 *
 * <pre>{@code
 * CountingAllocator alloc = new CountingAllocator();
 * EmbeddedChannel channel = alloc.channel();          // handlers added after this allocate from it
 * channel.pipeline().addLast(handlers);
 * channel.writeInbound(alloc.copy(input));
 * channel.finishAndReleaseAll();
 * alloc.assertAllReleased("the request " + Arrays.toString(input));
 * }</pre>
 */
public final class CountingAllocator {

    // Leak detection off for these buffers: the counter is exact, and PARANOID tracing would slow fuzzing tenfold.
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false, true);

    /** An open channel without handlers whose allocator is this one. */
    public EmbeddedChannel channel() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        return channel;
    }

    /** Makes {@code channel} allocate from this allocator. */
    public <C extends EmbeddedChannel> C use(C channel) {
        channel.config().setAllocator(alloc);
        return channel;
    }

    /** An empty buffer from this allocator. */
    public ByteBuf buffer() {
        return alloc.heapBuffer();
    }

    /** A buffer from this allocator holding {@code bytes[from, to)}. */
    public ByteBuf copy(byte[] bytes, int from, int to) {
        ByteBuf buffer = alloc.heapBuffer(Math.max(to - from, 1));
        return buffer.writeBytes(bytes, from, to - from);
    }

    /** A buffer from this allocator holding {@code bytes}. */
    public ByteBuf copy(byte[] bytes) {
        return copy(bytes, 0, bytes.length);
    }

    /** Bytes held by buffers from this allocator that were not released yet. */
    public long outstandingBytes() {
        return alloc.metric().usedHeapMemory() + alloc.metric().usedDirectMemory();
    }

    /**
     * Fails when a buffer from this allocator is still unreleased.
     *
     * @param what names the input, for the message
     */
    public void assertAllReleased(String what) {
        long outstanding = outstandingBytes();
        if (outstanding != 0) {
            throw new AssertionError(outstanding + " bytes of Netty buffers were never released after " + what
                    + ": a handler kept or dropped a buffer without release().");
        }
    }
}
