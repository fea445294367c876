package dev.apptap.proxy.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.List;

/**
 * The one HTTP/2 connection to the upstream that an app's HTTP/2 connection relays its streams over: taken
 * over from the handshake (where the server chose h2) or opened on demand, and opened anew after the server
 * sent GOAWAY, so later streams are not refused. Belongs to the app connection's event loop.
 */
final class Http2Upstream {

    private final ConnectionContext connection;
    private final EventLoop loop;
    private final UpstreamTarget target;
    private Channel parent;
    private Promise<Channel> connecting;

    Http2Upstream(ConnectionContext connection, EventLoop loop, Channel preconnected) {
        this.connection = connection;
        this.loop = loop;
        boolean tls = connection.isTls();
        this.target = new UpstreamTarget(connection.host, connection.port, connection.originalAddress, tls,
                tls ? List.of("h2") : List.of());
        if (preconnected != null) {
            HeldInbound.installAndRelease(preconnected, handlers());
            preconnected.config().setAutoRead(true);
            parent = preconnected;
        }
    }

    UpstreamTarget target() {
        return target;
    }

    /** Opens a stream to the upstream, connecting first if there is no usable connection. */
    Future<Http2StreamChannel> openStream(ChannelHandler handler) {
        Promise<Http2StreamChannel> stream = loop.newPromise();
        parent().addListener((Future<Channel> ready) -> {
            if (!ready.isSuccess()) {
                stream.tryFailure(ready.cause());
                return;
            }
            new Http2StreamChannelBootstrap(ready.getNow())
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(handler)
                    .open()
                    .addListener((Future<Http2StreamChannel> opened) -> {
                        if (opened.isSuccess()) {
                            stream.trySuccess(opened.getNow());
                        } else {
                            stream.tryFailure(opened.cause());
                        }
                    });
        });
        return stream;
    }

    private Future<Channel> parent() {
        if (parent != null && parent.isActive()) {
            return loop.newSucceededFuture(parent);
        }
        if (connecting == null || connecting.isDone() && !connecting.isSuccess()) {
            connecting = loop.newPromise();
            Promise<Channel> pending = connecting;
            connection.runtime.connector().connect(loop, target, this::handlers).addListener((Future<Channel> done) -> {
                if (done.isSuccess()) {
                    parent = done.getNow();
                    parent.config().setAutoRead(true);
                    pending.trySuccess(parent);
                } else {
                    pending.tryFailure(done.cause());
                }
                if (connecting == pending) {
                    connecting = null;
                }
            });
        }
        return connecting;
    }

    private ChannelHandler[] handlers() {
        return new ChannelHandler[]{
                Http2Relay.flushConsolidation(),
                Http2FrameCodecBuilder.forClient().initialSettings(settings(connection).pushEnabled(false)).build(),
                new Http2MultiplexHandler(new RefusePushedStreams()),
                new GoAwayWatcher()};
    }

    void close() {
        if (parent != null) {
            parent.close();
        }
    }

    /** Settings for either side; a server must not send ENABLE_PUSH, so only the client side adds it. */
    static Http2Settings settings(ConnectionContext connection) {
        return Http2Settings.defaultSettings()
                .initialWindowSize(1 << 20)
                .maxHeaderListSize(connection.runtime.settings().maxHeaderSize());
    }

    /** After GOAWAY the connection takes no new streams: the next stream opens a new one. */
    private final class GoAwayWatcher extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame && ctx.channel() == parent) {
                parent = null;
            }
            ReferenceCountUtil.release(msg);
        }
    }

    /** Push is switched off in our settings; a server that pushes anyway has its streams closed. */
    @ChannelHandler.Sharable
    private static final class RefusePushedStreams extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }
}
