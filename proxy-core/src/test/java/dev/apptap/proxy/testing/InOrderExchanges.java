package dev.apptap.proxy.testing;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Lets one request/response exchange through at a time, so pipelined requests are answered in the order they
 * came even when an earlier answer is slow or streamed. Later requests wait here until the current response's
 * last part is written. Reading stops while anything waits or while the socket cannot take more output, which
 * is all the backpressure the routes need: an echo never reads faster than its client drains.
 */
final class InOrderExchanges extends ChannelDuplexHandler {

    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private boolean exchangeOpen;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!waiting.isEmpty() || (exchangeOpen && msg instanceof HttpRequest)) {
            waiting.add(msg);
            updateAutoRead(ctx);
            return;
        }
        if (msg instanceof HttpRequest) {
            exchangeOpen = true;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent && !isInformational(msg)) {
            promise = promise.unvoid();
            promise.addListener((ChannelFutureListener) written -> {
                if (written.isSuccess()) {
                    exchangeOpen = false;
                    releaseWaiting(ctx);
                }
            });
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateAutoRead(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        waiting.forEach(ReferenceCountUtil::release);
        waiting.clear();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handlerRemoved(ctx);
        ctx.fireChannelInactive();
    }

    private void releaseWaiting(ChannelHandlerContext ctx) {
        while (!waiting.isEmpty() && !(exchangeOpen && waiting.peek() instanceof HttpRequest)) {
            Object next = waiting.poll();
            if (next instanceof HttpRequest) {
                exchangeOpen = true;
            }
            ctx.fireChannelRead(next);
        }
        updateAutoRead(ctx);
        if (waiting.isEmpty()) {
            // Bytes already decoded into the queue came from an earlier read; ask for more explicitly.
            ctx.read();
        }
    }

    private void updateAutoRead(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(waiting.isEmpty() && ctx.channel().isWritable());
    }

    private static boolean isInformational(Object msg) {
        // A "100 Continue" is a full response (so also last content) but does not end the exchange.
        return msg instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
    }
}
