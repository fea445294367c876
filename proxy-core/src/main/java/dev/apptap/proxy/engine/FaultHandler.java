package dev.apptap.proxy.engine;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;

/**
 * What {@link FaultInjector} and {@link Http2StreamFaults} share: the writes they hold, whether the connection (or
 * stream) was cut, and letting go of both once the app leaves, so no buffer leaks and nothing waits on them.
 */
abstract class FaultHandler extends ChannelDuplexHandler {

    /** Writes held for a delay or a throttle, and a hang's swallowed ones. */
    final HeldWrites held = new HeldWrites();
    /** The connection or stream was cut (closed, reset, replaced by garbage): later writes fail. */
    boolean cut;

    /** After a cut, a write is released and fails; true when {@code msg} was dropped so. */
    boolean droppedAfterCut(Object msg, ChannelPromise promise) {
        if (!cut) {
            return false;
        }
        ReferenceCountUtil.release(msg);
        promise.tryFailure(new ClosedChannelException());
        return true;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        dropAll();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        dropAll();
    }

    private void dropAll() {
        cut = true;
        held.dropAll();
    }
}
