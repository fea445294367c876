package dev.apptap.proxy.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Keeps what a connection receives before its real handlers exist (an upstream opened during the app's
 * handshake may already have sent its HTTP/2 SETTINGS, a server-first protocol its banner) and hands it to
 * them once they are in place. Whoever waits to learn whether the server spoke at all can ask to be told.
 */
final class HeldInbound extends ChannelInboundHandlerAdapter {

    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private boolean releasing;
    private boolean hungUp;
    private Runnable onServerAct;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
        serverActed();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // nothing to pass on until the real handlers are installed
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        hungUp = true;
        serverActed();
        ctx.fireChannelInactive();
    }

    /** Nobody else is there yet to handle a broken connection; the relay that takes it over finds it closed. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /**
     * Runs {@code listener} once, when the server next sends bytes or hangs up (at once if it has hung up); never
     * after the real handlers took over.
     */
    void whenServerActs(Runnable listener) {
        if (hungUp) {
            listener.run();
        } else {
            onServerAct = listener;
        }
    }

    /** Whether the server has hung up. */
    boolean serverHungUp() {
        return hungUp;
    }

    /** What the server sent so far, still held, in order; not to be released by the caller. */
    List<Object> held() {
        return List.copyOf(held);
    }

    private void serverActed() {
        Runnable listener = onServerAct;
        onServerAct = null;
        if (listener != null) {
            listener.run();
        }
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
        onServerAct = null;
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
