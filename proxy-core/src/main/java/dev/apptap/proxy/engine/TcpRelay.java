package dev.apptap.proxy.engine;

import dev.apptap.flow.BodyCapture;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.TcpFlow;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * Relays a connection that does not speak HTTP byte for byte (decrypted if the app used TLS, untouched for
 * passthrough hosts), with backpressure both ways, and records it as a {@link TcpFlow}: the first bytes
 * each way and the totals.
 */
final class TcpRelay extends ChannelInboundHandlerAdapter {

    static final String NAME = "tcp-relay";

    private final ConnectionContext connection;
    private final long id;
    private final BodyCapture fromClient;
    private final BodyCapture fromServer;
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Channel upstream;
    private FlowError error;
    private boolean finished;
    private boolean clientSpoke;
    private boolean serverSpoke;

    TcpRelay(ConnectionContext connection) {
        this.connection = connection;
        this.id = connection.runtime.settings().flows().nextId();
        int limit = connection.runtime.settings().bodyLimit();
        this.fromClient = new BodyCapture(limit);
        this.fromServer = new BodyCapture(limit);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        publish();
        if (connection.runtime.settings().rules().isOffline()) {
            fail(new FlowError(FlowError.Kind.NO_STUB_MATCHED, "apptap is offline, so it did not relay the non-HTTP"
                    + " connection of " + connection.process.describe() + " to " + connection.server().authority()
                    + "; stubs answer HTTP only."));
            return;
        }
        Future<Channel> connecting = connection.takeConnectingInAdvance();
        if (connecting == null && !ctx.channel().isActive()) {
            finish(); // the app hung up before it or the server said anything
            return;
        }
        boolean tls = connection.isTls() && !connection.tls.passthrough();
        UpstreamTarget target = new UpstreamTarget(connection.host, connection.port, connection.originalAddress, tls,
                UpstreamTarget.only(tls ? connection.tls.alpn() : ""));
        if (connecting == null) {
            connecting = connection.runtime.connector().connect(ctx.channel().eventLoop(), target,
                    () -> new ChannelHandler[]{new ServerSide()});
        } else {
            // opened while the app was silent (the server's banner may be held there) or during its TLS handshake
            connecting = connecting.addListener((Future<Channel> connected) -> {
                if (connected.isSuccess()) {
                    HeldInbound.installAndRelease(connected.getNow(), new ServerSide());
                }
            });
        }
        connecting.addListener((Future<Channel> connected) -> {
            if (!connected.isSuccess()) {
                fail(UpstreamFailures.describe(target, connected.cause()));
                return;
            }
            upstream = connected.getNow();
            if (!ctx.channel().isActive()) {
                closeOnFlush(upstream);
                finish();
                return;
            }
            if (!upstream.isActive()) {
                // the server hung up before the relay began: what it sent is on its way to the app, then the close
                closeOnFlush(ctx.channel());
                return;
            }
            while (!pending.isEmpty()) {
                upstream.write(pending.poll());
            }
            upstream.flush();
            upstream.read();
            ctx.read();
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf data)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        capture(fromClient, data);
        if (!clientSpoke) {
            clientSpoke = true;
            publish();
        }
        if (upstream == null) {
            pending.add(data);
            return;
        }
        upstream.writeAndFlush(data).addListener((ChannelFutureListener) written -> {
            if (written.isSuccess()) {
                ctx.read();
            } else {
                written.channel().close();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeOnFlush(upstream);
        finish();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        while (!pending.isEmpty()) {
            pending.poll().release();
        }
    }

    private void fail(FlowError failure) {
        error = failure;
        ctx.close();
        finish();
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        publish();
    }

    private void publish() {
        connection.runtime.settings().flows().publish(new TcpFlow(id, connection.acceptedAt, connection.process,
                connection.client, connection.server(), connection.tlsInfo(), fromClient.toBody("", ""),
                fromServer.toBody("", ""),
                finished ? Optional.of(Duration.between(connection.acceptedAt, Instant.now())) : Optional.empty(),
                Optional.ofNullable(error), finished));
    }

    static void capture(BodyCapture capture, ByteBuf data) {
        int readable = data.readableBytes();
        int keep = Math.min(readable, capture.remaining());
        if (keep > 0) {
            capture.append(data.nioBuffer(data.readerIndex(), keep));
        }
        if (readable > keep) {
            capture.append(NOTHING, 0, readable - keep);
        }
    }

    private static final byte[] NOTHING = new byte[0];

    static void closeOnFlush(Channel channel) {
        if (channel != null && channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The upstream side: relays the server's bytes to the app, reading more only once they are written. */
    private final class ServerSide extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext upstreamCtx, Object msg) {
            if (!(msg instanceof ByteBuf data)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            capture(fromServer, data);
            if (!serverSpoke) {
                serverSpoke = true;
                publish();
            }
            ctx.writeAndFlush(data).addListener((ChannelFutureListener) written -> {
                if (written.isSuccess()) {
                    upstreamCtx.read();
                } else {
                    upstreamCtx.close();
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext upstreamCtx) {
            closeOnFlush(ctx.channel());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext upstreamCtx, Throwable cause) {
            if (error == null && !finished) {
                error = new FlowError(FlowError.Kind.UPSTREAM_FAILED, "The connection from apptap to "
                        + connection.server().authority() + " failed: " + UpstreamFailures.message(cause) + ".");
            }
            upstreamCtx.close();
        }
    }
}
