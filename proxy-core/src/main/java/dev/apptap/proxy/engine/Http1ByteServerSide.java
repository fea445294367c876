package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The upstream end of {@link Http1ByteRelay}: passes the server's bytes to the app as they arrive and reads the
 * responses in them on the side ({@link Http1HeadParser}, {@link Http1BodyFramer}) for the exchange's recording.
 * Interim responses (100 Continue) go through without ending the exchange; a 101 turns the rest into a byte tunnel.
 * The server is read again only once the app's socket took what came before. Every byte for the app leaves through
 * {@link #writeToApp}.
 */
final class Http1ByteServerSide extends ChannelInboundHandlerAdapter {

    private final Http1Downstream relay;
    private final Http1HeadParser heads = new Http1HeadParser(8192, 4096);
    private final Http1BodyFramer body = new Http1BodyFramer();
    private final Http1BodyFramer.Body recordResponseBody;
    /** What the server sent that is not yet passed on: a head still arriving. */
    private ByteBuf pending;
    private boolean inBody;
    private boolean upgraded;
    /** Written to the app during this read batch, not yet flushed: see {@link #channelReadComplete}. */
    private boolean appFlushPending;

    Http1ByteServerSide(Http1Downstream relay) {
        this.relay = relay;
        this.recordResponseBody = data -> relay.exchange().responseContent(data);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (upgraded) {
            relay.observeFromServer(in);
            writeToApp(in).addListener(Http1ServerSide.readMoreWhenWritten(ctx));
            return;
        }
        HttpExchange exchange = relay.exchange();
        if (exchange == null || exchange.isComplete()) {
            in.release(); // nothing asked for these bytes
            ctx.read();
            return;
        }
        if (pending != null) {
            ByteBuf joined = ctx.alloc().buffer(pending.readableBytes() + in.readableBytes());
            joined.writeBytes(pending).writeBytes(in);
            pending.release();
            in.release();
            in = joined;
        }
        pending = null;
        try {
            relayResponse(ctx, exchange, in);
        } catch (Http1HeadParser.BadHead | Http1BodyFramer.BadBody bad) {
            exchange.fail(new FlowError(FlowError.Kind.UPSTREAM_PROTOCOL, "The server for " + exchange.url()
                    + " answered with something that is not valid HTTP (" + bad.getMessage() + ")."));
            ctx.close();
            relay.appContext().close();
        } finally {
            if (in.isReadable() && !inBody && !exchange.isComplete() && ctx.channel().isActive()) {
                pending = in; // a head split over reads: wait for the rest
            } else {
                in.release();
            }
        }
    }

    /** Passes on what of {@code in} belongs to the exchange's response, recording it. */
    private void relayResponse(ChannelHandlerContext ctx, HttpExchange exchange, ByteBuf in)
            throws Http1HeadParser.BadHead, Http1BodyFramer.BadBody {
        ChannelFuture written = null;
        while (in.isReadable()) {
            if (!inBody) {
                Http1Head head = heads.response(in);
                if (head == null) {
                    break;
                }
                ByteBuf headBytes = in.readRetainedSlice(head.length());
                int code = head.status();
                if (code < 200 && code != 101) {
                    written = writeToApp(headBytes); // 100 Continue and friends: the real response follows
                    continue;
                }
                relay.responseArrived();
                exchange.responseHead(code, head.reason(), head.version(), head.headers());
                if (!head.keepAlive()) {
                    relay.markCloseAfterResponse();
                }
                if (code == 101) {
                    upgrade(ctx, exchange, headBytes, in);
                    return;
                }
                frame(exchange, head, code);
                inBody = true;
                written = writeToApp(headBytes);
            }
            int from = in.readerIndex();
            boolean ended = body.feed(in, recordResponseBody);
            int length = in.readerIndex() - from;
            if (length > 0) {
                written = writeToApp(in.retainedSlice(from, length));
            }
            if (ended) {
                inBody = false;
                exchange.responseEndWithTrailers(body.trailers());
                relay.responseFinished(written);
                in.skipBytes(in.readableBytes()); // a server may not answer what was not asked
                // Stay armed for the next response (or the server's close): letting Netty's epoll clear the read
                // interest here and set it again with the next request cost two epoll_ctl calls per exchange.
                ctx.read();
                return;
            }
        }
        if (written == null) {
            ctx.read();
        } else {
            written.addListener(Http1ServerSide.readMoreWhenWritten(ctx));
        }
    }

    /** RFC 9112 section 6.3: which body follows a response head. */
    private void frame(HttpExchange exchange, Http1Head head, int code) {
        if ("HEAD".equals(exchange.method()) || code == 204 || code == 304) {
            body.start(0, false);
        } else if (head.chunked()) {
            body.start(0, true);
        } else if (head.otherCoding() || head.contentLength() < 0) {
            body.startUntilClose();
            relay.markCloseAfterResponse();
        } else {
            body.start(head.contentLength(), false);
        }
    }

    private void upgrade(ChannelHandlerContext ctx, HttpExchange exchange, ByteBuf headBytes, ByteBuf in) {
        upgraded = true;
        exchange.upgradeAccepted();
        ChannelFuture written = writeToApp(headBytes);
        relay.switchToRawRelay();
        if (in.isReadable()) {
            ByteBuf early = in.readRetainedSlice(in.readableBytes());
            relay.observeFromServer(early);
            written = writeToApp(early);
        }
        written.addListener(Http1ServerSide.readMoreWhenWritten(ctx));
    }

    /**
     * The one way bytes go to the app. A response's head and body usually arrive in one read; flushing once at
     * the end of the read sends them in one TLS record and one segment.
     */
    private ChannelFuture writeToApp(ByteBuf bytes) {
        appFlushPending = true;
        return relay.appContext().write(bytes);
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

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        HttpExchange exchange = relay.exchange();
        if (inBody && body.endsWithConnection() && exchange != null && !exchange.isComplete()) {
            // a response without a length ends with the connection: this is its end, not a failure
            inBody = false;
            exchange.responseEndWithTrailers(null);
            relay.markCloseAfterResponse();
            relay.responseFinished(relay.appContext().writeAndFlush(Unpooled.EMPTY_BUFFER));
        }
        relay.upstreamClosed(ctx.channel());
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Http1ServerSide.connectionFailed(relay, ctx, cause);
    }
}
