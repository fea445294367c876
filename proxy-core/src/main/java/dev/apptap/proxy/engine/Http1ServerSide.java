package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The upstream end of an HTTP/1 exchange ({@link Http1Downstream}): records the response and passes it to the app, reading more
 * from the server only once the app's socket took what came before. Interim responses (100 Continue) are
 * passed on without ending the exchange; a 101 switches both sides to a byte relay.
 */
final class Http1ServerSide extends ChannelInboundHandlerAdapter {

    private final Http1Downstream relay;
    private boolean interim;
    private boolean upgrading;
    /** Written to the app during this read batch, not yet flushed: see {@link #channelReadComplete}. */
    private boolean appFlushPending;

    Http1ServerSide(Http1Downstream relay) {
        this.relay = relay;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        HttpExchange exchange = relay.exchange();
        ChannelHandlerContext app = relay.appContext();
        if (msg instanceof ByteBuf raw) {
            // after a 101 the client codec passes the new protocol's bytes through
            relay.observeFromServer(raw);
            writeToApp(app, raw).addListener(readMoreWhenWritten(ctx));
            return;
        }
        if (exchange == null || exchange.isComplete() && !interim || exchange.isUpgraded()) {
            ReferenceCountUtil.release(msg);
            ctx.read();
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                exchange.fail(new FlowError(FlowError.Kind.UPSTREAM_PROTOCOL, "The server for " + exchange.url()
                        + " answered with something that is not valid HTTP ("
                        + UpstreamFailures.message(response.decoderResult().cause()) + ")."));
                ctx.close();
                app.close();
                return;
            }
            int code = response.status().code();
            interim = code >= 100 && code < 200 && code != HttpResponseStatus.SWITCHING_PROTOCOLS.code();
            upgrading = code == HttpResponseStatus.SWITCHING_PROTOCOLS.code();
            if (!interim) {
                relay.responseArrived();
                exchange.responseHead(code, response.status().reasonPhrase(), response.protocolVersion().text(),
                        response.headers());
                if (!HttpUtil.isKeepAlive(response)) {
                    relay.markCloseAfterResponse();
                }
            }
        }
        if (msg instanceof HttpContent content) {
            boolean last = content instanceof LastHttpContent;
            if (interim) {
                interim = !last;
                writeToApp(app, msg).addListener(readMoreWhenWritten(ctx));
                return;
            }
            exchange.responseContent(content.content());
            if (last) {
                if (upgrading) {
                    exchange.upgradeAccepted();
                } else {
                    exchange.responseEnd(((LastHttpContent) content).trailingHeaders());
                }
                ChannelFuture written = writeToApp(app, msg);
                if (upgrading) {
                    // The 101 is encoded by now (same event loop), so the app's codec can go at once: a server that
                    // speaks first sends its first frame in the same read, and it must reach the app as raw bytes.
                    relay.switchToRawRelay();
                    written.addListener((ChannelFutureListener) done -> {
                        if (ctx.pipeline().get(HttpClientCodec.class) != null) {
                            ctx.pipeline().remove(HttpClientCodec.class);
                        }
                        ctx.read();
                    });
                } else {
                    relay.responseFinished(written);
                }
                return;
            }
        }
        writeToApp(app, msg).addListener(readMoreWhenWritten(ctx));
    }

    /**
     * A response's head and body usually arrive in one read; flushing once at the end of the read sends them in
     * one TLS record and one segment instead of one each, which is most of what a small response costs.
     */
    private ChannelFuture writeToApp(ChannelHandlerContext app, Object msg) {
        appFlushPending = true;
        return app.write(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        HttpExchange exchange = relay.exchange();
        if (exchange != null) {
            exchange.publishPending();
        }
        if (appFlushPending) {
            appFlushPending = false;
            relay.appContext().flush();
        }
        ctx.fireChannelReadComplete();
    }

    /** Reads the server again once what it sent was written to the app; closes it if that failed. */
    static ChannelFutureListener readMoreWhenWritten(ChannelHandlerContext upstream) {
        return written -> {
            if (written.isSuccess()) {
                upstream.read();
            } else {
                upstream.close();
            }
        };
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        relay.upstreamClosed(ctx.channel());
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        connectionFailed(relay, ctx, cause);
    }

    /** The upstream connection {@code ctx} failed: a response that was streaming ends with that, and both close. */
    static void connectionFailed(Http1Downstream relay, ChannelHandlerContext ctx, Throwable cause) {
        HttpExchange exchange = relay.exchange();
        if (exchange != null && !exchange.isComplete() && exchange.responseStarted()) {
            exchange.fail(new FlowError(FlowError.Kind.UPSTREAM_FAILED, "The connection to the server for "
                    + exchange.url() + " failed while the response was streaming: "
                    + UpstreamFailures.message(cause) + "."));
            // the app's response can never be completed: end it now, or the app waits for the missing bytes forever
            relay.appContext().close();
        }
        ctx.close();
    }
}
