package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives an app {@code requestHeadTimeout} from the first byte of a request head to its end, so a client that sends
 * its headers a byte at a time, or never finishes them (slowloris), is answered 408, recorded, and closed instead of
 * holding its connection forever. Idle keep-alive connections are left alone: the clock starts only when bytes of a
 * new request arrive. Sits before the HTTP codec (it sees raw bytes); its {@link Watch} sits after it (it sees where
 * heads and requests end); {@link #removeWithCodec} takes all three out when the connection stops speaking HTTP/1.
 */
final class RequestHeadDeadline extends ChannelInboundHandlerAdapter {

    static final String NAME = "head-deadline";
    static final String WATCH = "head-watch";

    private final ConnectionContext connection;
    private final Duration timeout;
    private boolean awaitingHead = true;
    private ScheduledFuture<?> timer;
    private ChannelHandlerContext ctx;

    private RequestHeadDeadline(ConnectionContext connection) {
        this.connection = connection;
        this.timeout = connection.runtime.settings().requestHeadTimeout();
    }

    /** Adds the HTTP/1 server codec named {@link Pipelines#HTTP_CODEC} after {@code after}, with the deadline around it. */
    static void installWithCodec(ChannelPipeline pipeline, String after, ConnectionContext connection) {
        install(pipeline, after, connection).addCodecAfter(pipeline, NAME);
    }

    /**
     * Adds the deadline alone, for a relay that reads heads itself ({@link Http1ByteRelay}) and says when one
     * arrived ({@link #headArrived}) and when its request ended ({@link #requestEnded}).
     */
    static RequestHeadDeadline install(ChannelPipeline pipeline, String after, ConnectionContext connection) {
        RequestHeadDeadline deadline = new RequestHeadDeadline(connection);
        pipeline.addAfter(after, NAME, deadline);
        return deadline;
    }

    /** Adds the server codec after {@code after}, and after it the watch that tells this deadline what it decoded. */
    void addCodecAfter(ChannelPipeline pipeline, String after) {
        pipeline.addAfter(after, Pipelines.HTTP_CODEC, Pipelines.newServerCodec(connection.runtime.settings()));
        pipeline.addAfter(Pipelines.HTTP_CODEC, WATCH, new Watch());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (awaitingHead && timer == null && msg instanceof ByteBuf bytes && bytes.isReadable()) {
            timer = ctx.executor().schedule(this::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    void headArrived() {
        awaitingHead = false;
        cancel();
    }

    void requestEnded() {
        awaitingHead = true;
    }

    private void expire() {
        timer = null;
        if (!awaitingHead || !ctx.channel().isActive()) {
            return;
        }
        String where = connection.host == null ? "apptap's proxy port"
                : Addresses.authority(connection.host, connection.port, -1);
        String sentence = connection.process.describe() + " did not finish sending its request head to " + where
                + " within " + describe(timeout) + ", so apptap answered 408 and closed the connection (a client that"
                + " sends its headers slowly or never ends them holds a connection; apptap's requestHeadTimeout bounds it).";
        HttpExchange exchange = new HttpExchange(connection, ctx.executor());
        exchange.requestHead("?", connection.host == null ? "http://unknown/"
                : "http://" + Addresses.authority(connection.host, connection.port, 80) + "/", "HTTP/1.1",
                EmptyHttpHeaders.INSTANCE);
        byte[] body = (sentence + "\n").getBytes(StandardCharsets.UTF_8);
        HttpHeaders headers = new DefaultHttpHeaders()
                .set("Content-Type", "text/plain; charset=utf-8")
                .set("Content-Length", body.length)
                .set("Connection", "close")
                .set("X-Apptap-Error", "true");
        exchange.responseHead(408, "Request Timeout", "HTTP/1.1", headers);
        ByteBuf answer = ByteBufUtil.writeUtf8(ctx.alloc(), "HTTP/1.1 408 Request Timeout\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\nX-Apptap-Error: true\r\n\r\n");
        answer.writeBytes(body);
        exchange.responseContent(answer);
        exchange.fail(new FlowError(FlowError.Kind.CLIENT_TIMEOUT, sentence));
        // written from before the codec: its encoder would want a decoded request to answer
        ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
    }

    private static String describe(Duration timeout) {
        return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /**
     * Removes the HTTP/1 server codec and the deadline around it, for a connection that speaks something else from
     * now on (a CONNECT tunnel, an upgrade). The codec goes last: removing it passes on the bytes it holds.
     */
    static void removeWithCodec(ChannelPipeline pipeline) {
        if (pipeline.get(Watch.class) != null) {
            pipeline.remove(Watch.class);
        }
        if (pipeline.get(RequestHeadDeadline.class) != null) {
            pipeline.remove(RequestHeadDeadline.class);
        }
        if (pipeline.get(HttpServerCodec.class) != null) {
            pipeline.remove(HttpServerCodec.class);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    /** After the codec: a decoded head stops the clock, the end of a request lets the next head start it again. */
    final class Watch extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                headArrived();
            }
            if (msg instanceof LastHttpContent) {
                requestEnded();
            }
            ctx.fireChannelRead(msg);
        }
    }
}
