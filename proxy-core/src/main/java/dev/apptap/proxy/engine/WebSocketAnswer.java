package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.WebSocketMessage;
import dev.apptap.proxy.rules.WebSocketScript;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * apptap as the server of a WebSocket it answers itself (a replayed recording, a stub's {@link WebSocketScript}): it
 * answers the app's upgrade with 101, takes the connection over from the HTTP/1 relay, and plays the script, each
 * server message once the app's messages before it arrived. Every message both ways is recorded on the exchange, as
 * the relay's {@link UpgradedTunnel} does for a real server. Netty's WebSocket codec frames and unmasks the messages:
 * unlike the tunnel, apptap is the endpoint here, not a witness.
 *
 * <pre>{@code
 * WebSocketAnswer.takeOver(relayContext, exchange, answer.webSocket(), answer.headers(), bodyLimit);
 * }</pre>
 */
final class WebSocketAnswer extends SimpleChannelInboundHandler<WebSocketFrame> {

    /** RFC 6455 §1.3: the accept value is the SHA-1 of the app's key and this GUID. */
    private static final String HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** The largest message apptap takes from the app; a bigger one is closed with 1009 by Netty's decoder. */
    private static final int MAX_MESSAGE = 64 * 1024 * 1024;

    private final HttpExchange exchange;
    private final WebSocketScript script;
    private final int limit;
    private int next;
    private boolean closeSent;

    private WebSocketAnswer(HttpExchange exchange, WebSocketScript script, int limit) {
        this.exchange = exchange;
        this.script = script;
        this.limit = limit;
    }

    /**
     * Answers the upgrade of {@code exchange} with 101 and the answer's {@code headers}, then replaces the handler of
     * {@code relay} (the HTTP/1 relay, whose request is complete and whose upstream is closed) with the script's
     * player. A request that is no WebSocket upgrade gets a 400 that says so, and the connection closes.
     *
     * @param limit how many bytes of each message are recorded
     */
    static void takeOver(ChannelHandlerContext relay, HttpExchange exchange, WebSocketScript script,
                         List<Map.Entry<String, String>> headers, int limit) {
        String key = exchange.requestHeader("sec-websocket-key");
        if (!exchange.isWebSocket() || key == null) {
            FlowError error = notAnUpgrade(exchange);
            FullHttpResponse response = ErrorResponses.plain(relay.alloc(), HttpResponseStatus.BAD_REQUEST,
                    error.message());
            exchange.responseHead(400, response.status().reasonPhrase(), "HTTP/1.1", response.headers());
            exchange.responseContent(response.content());
            exchange.fail(error);
            relay.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.SWITCHING_PROTOCOLS);
        headers.forEach(field -> response.headers().add(field.getKey(), field.getValue()));
        response.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                .set(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT, accept(key));
        exchange.responseHead(101, response.status().reasonPhrase(), "HTTP/1.1", response.headers());
        ChannelPipeline pipeline = relay.pipeline();
        WebSocketAnswer player = new WebSocketAnswer(exchange, script, limit);
        String name = relay.name();
        // the 101 still goes out through the HTTP codec; the WebSocket codec takes its place once it is written
        pipeline.replace(relay.handler(), name, player);
        pipeline.context(player).writeAndFlush(response).addListener((ChannelFutureListener) written -> {
            if (!written.isSuccess()) {
                written.channel().close();
                return;
            }
            exchange.upgradeAccepted();
            pipeline.addBefore(name, "apptap-ws-decoder", new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
                    .expectMaskedFrames(true).maxFramePayloadLength(MAX_MESSAGE).build()));
            pipeline.addBefore(name, "apptap-ws-encoder", new WebSocket13FrameEncoder(false));
            pipeline.addBefore(name, "apptap-ws-aggregator", new WebSocketFrameAggregator(MAX_MESSAGE));
            RequestHeadDeadline.removeWithCodec(pipeline);
            player.play(pipeline.context(player));
            // no upstream to pace the app against: read whatever it sends
            written.channel().config().setAutoRead(true);
        });
    }

    /** Why a request that a WebSocket answer matched gets a 400 instead: it asked for no upgrade (or came over h2). */
    static FlowError notAnUpgrade(HttpExchange exchange) {
        return new FlowError(FlowError.Kind.NO_STUB_MATCHED, "apptap answers " + exchange.url() + " with a WebSocket,"
                + " but this " + exchange.method() + " request over " + exchange.requestVersion() + " is no WebSocket"
                + " upgrade (Upgrade: websocket with a Sec-WebSocket-Key, over HTTP/1.1); record the plain request"
                + " too, or stub it.");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        record(WebSocketMessage.Direction.FROM_APP, frame);
        if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
            if (next < script.steps().size() && script.steps().get(next).fromApp()) {
                next++;
                play(ctx);
            }
        } else if (frame instanceof PingWebSocketFrame) {
            send(ctx, new PongWebSocketFrame(frame.content().retainedDuplicate()));
        } else if (frame instanceof CloseWebSocketFrame close) {
            if (closeSent) {
                ctx.close();
            } else {
                closeSent = true;
                int code = close.statusCode() < 0 ? 1000 : close.statusCode();
                send(ctx, new CloseWebSocketFrame(code, "")).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    /** Sends the server's messages up to the app's next one; at the end, closes if the server did. */
    private void play(ChannelHandlerContext ctx) {
        List<WebSocketScript.Step> steps = script.steps();
        while (next < steps.size() && !steps.get(next).fromApp()) {
            WebSocketScript.Step step = steps.get(next++);
            ByteBuf payload = Unpooled.wrappedBuffer(step.payload());
            send(ctx, step.text() ? new TextWebSocketFrame(payload) : new BinaryWebSocketFrame(payload));
        }
        if (next == steps.size() && script.serverCloseCode() > 0 && !closeSent) {
            closeSent = true;
            send(ctx, new CloseWebSocketFrame(script.serverCloseCode(), script.serverCloseReason()));
        }
    }

    private ChannelFuture send(ChannelHandlerContext ctx, WebSocketFrame frame) {
        record(WebSocketMessage.Direction.FROM_SERVER, frame);
        return ctx.writeAndFlush(frame);
    }

    private void record(WebSocketMessage.Direction direction, WebSocketFrame frame) {
        ByteBuf content = frame.content();
        byte[] kept = ByteBufUtil.getBytes(content, content.readerIndex(), Math.min(limit, content.readableBytes()));
        exchange.webSocketMessage(WebSocketObserver.Partial.of(direction, typeOf(frame), kept, content.readableBytes()));
    }

    private static WebSocketMessage.Type typeOf(WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame) {
            return WebSocketMessage.Type.TEXT;
        }
        if (frame instanceof CloseWebSocketFrame) {
            return WebSocketMessage.Type.CLOSE;
        }
        if (frame instanceof PingWebSocketFrame) {
            return WebSocketMessage.Type.PING;
        }
        return frame instanceof PongWebSocketFrame ? WebSocketMessage.Type.PONG : WebSocketMessage.Type.BINARY;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        exchange.upgradedConnectionClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // a reset or a protocol error ends the WebSocket; channelInactive ends the flow
        ctx.close();
    }

    private static String accept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1")
                    .digest((key.strip() + HANDSHAKE_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-1, which every Java platform must provide.", e);
        }
    }
}
