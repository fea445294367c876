package dev.apptap.proxy.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Keeps what a connection receives before its real handlers exist (an upstream opened during the app's
 * handshake may already have sent its HTTP/2 SETTINGS) and hands it to them once they are in place.
 */
final class HeldInbound extends ChannelInboundHandlerAdapter {

    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private boolean releasing;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // nothing to pass on until the real handlers are installed
    }

    /** Adds {@code handlers} to {@code channel}'s pipeline and replays what was held into them. */
    static void installAndRelease(Channel channel, ChannelHandler... handlers) {
        channel.pipeline().addLast(handlers);
        HeldInbound holder = channel.pipeline().get(HeldInbound.class);
        if (holder != null) {
            holder.releasing = true;
            channel.pipeline().remove(holder);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        boolean any = !held.isEmpty();
        while (!held.isEmpty()) {
            Object msg = held.poll();
            if (releasing) {
                ctx.fireChannelRead(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }
        if (releasing && any) {
            ctx.fireChannelReadComplete();
        }
    }
}
