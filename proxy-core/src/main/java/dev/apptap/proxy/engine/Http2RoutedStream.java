package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.util.Queue;

/**
 * An app's HTTP/2 stream that a route sends to an HTTP/1.1 server (a local WireMock, a test server): Netty's
 * {@link Http2StreamFrameToHttpObjectCodec} in front of it turns the stream's frames into a request and the
 * server's response back into frames, and an {@link Http1Upstream} carries the exchange. So an app that speaks only
 * h2 reaches a routed host like any other.
 */
final class Http2RoutedStream extends ChannelInboundHandlerAdapter implements Http1Downstream, Http1Upstream.Events {

    static final String CODEC = "h2-route-codec";
    static final String NAME = "h2-route";

    private final ConnectionContext connection;
    private final HttpExchange exchange;
    private final RuleStep.Route route;
    private final Dialer dialer;
    private ChannelHandlerContext ctx;
    private Http1Upstream upstream;
    /** While the frames held for the rules pass the codec again: they are on the flow already. */
    private boolean replaying;

    private Http2RoutedStream(ConnectionContext connection, HttpExchange exchange, RuleStep.Route route, Dialer dialer) {
        this.connection = connection;
        this.exchange = exchange;
        this.route = route;
        this.dialer = dialer;
    }

    /**
     * Replaces the stream relay at {@code relay} with a routed stream, and sends it the frames the relay held while
     * the rules decided.
     */
    static void takeOver(ChannelHandlerContext relay, ConnectionContext connection, HttpExchange exchange,
                         RuleStep.Route route, Queue<Http2StreamFrame> held, Dialer dialer) {
        Http2RoutedStream routed = new Http2RoutedStream(connection, exchange, route, dialer);
        ChannelPipeline pipeline = relay.pipeline();
        pipeline.addBefore(relay.name(), CODEC, new Http2StreamFrameToHttpObjectCodec(true, false));
        pipeline.replace(relay.name(), NAME, routed);
        routed.replaying = true;
        try {
            while (!held.isEmpty()) {
                pipeline.fireChannelRead(held.poll());
            }
        } finally {
            routed.replaying = false;
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.upstream = new Http1Upstream(dialer, ctx.channel().eventLoop(), this, this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject http) || exchange.isComplete()) {
            ReferenceCountUtil.release(msg);
            ctx.read();
            return;
        }
        if (http instanceof HttpRequest request) {
            forHttp1(request);
            upstream.open(route.target(), null);
        }
        if (http instanceof HttpContent content && !replaying && !(http instanceof HttpRequest)) {
            exchange.requestContent(content.content());
            if (content instanceof LastHttpContent) {
                exchange.requestEnd();
            }
        }
        upstream.send(http);
    }

    /** The codec's request, as an HTTP/1.1 server expects it: no h2 bookkeeping fields, the route's Host. */
    private void forHttp1(HttpRequest request) {
        for (HttpConversionUtil.ExtensionHeaderNames extension : HttpConversionUtil.ExtensionHeaderNames.values()) {
            request.headers().remove(extension.text());
        }
        route.hostHeader().ifPresent(host -> request.headers().set(HttpHeaderNames.HOST, host));
    }

    /** Netty passes RST_STREAM as a user event: the app gave up on the stream. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof Http2ResetFrame reset) {
            exchange.fail(new FlowError(FlowError.Kind.CLIENT_DISCONNECTED, connection.process.describe()
                    + " reset the HTTP/2 stream for " + describeRequest() + " (" + Http2Error.valueOf(reset.errorCode())
                    + ")."));
            upstream.close();
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!exchange.isComplete()) {
            exchange.fail(new FlowError(FlowError.Kind.CLIENT_DISCONNECTED, connection.process.describe()
                    + " closed the HTTP/2 stream before " + describeRequest() + " was complete."));
        }
        upstream.close();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        upstream.releaseWaiting();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    // ---- from the HTTP/1.1 upstream ----

    @Override
    public void upstreamWritten() {
        ctx.read();
    }

    @Override
    public void upstreamWriteFailed(UpstreamTarget target, Throwable cause) {
        if (!exchange.isComplete()) {
            exchange.fail(UpstreamFailures.describe(target, cause));
            resetStream();
        }
    }

    @Override
    public void upstreamConnectFailed(UpstreamTarget target, Throwable cause) {
        answerLocally(UpstreamFailures.describe(target, cause));
    }

    @Override
    public boolean appGone() {
        return !ctx.channel().isActive();
    }

    @Override
    public HttpExchange exchange() {
        return exchange;
    }

    @Override
    public ChannelHandlerContext appContext() {
        return ctx;
    }

    @Override
    public void responseArrived() {
        // the h2 relay gives upstreams no response deadline; the app's own timeout applies
    }

    @Override
    public void markCloseAfterResponse() {
        // each routed stream has its own upstream connection, closed after the response anyway
    }

    /** The stream's exchange is over: its upstream connection goes once the response's end reached the app. */
    @Override
    public void responseFinished(ChannelFuture written) {
        ctx.flush();
        written.addListener(done -> upstream.close());
    }

    /** HTTP/2 has no upgrades; a server that switches protocols anyway cannot be relayed. */
    @Override
    public void switchToRawRelay() {
        exchange.fail(new FlowError(FlowError.Kind.UPSTREAM_PROTOCOL, "The server at " + route.target().authority()
                + " switched protocols for " + describeRequest() + ", which an HTTP/2 stream cannot carry."));
        upstream.close();
        resetStream();
    }

    @Override
    public void observeFromServer(ByteBuf bytes) {
        // only upgraded connections carry raw bytes, and switchToRawRelay ended this one
    }

    @Override
    public void upstreamClosed(Channel channel) {
        if (!upstream.lost(channel) || exchange.isComplete()) {
            return;
        }
        FlowError error = new FlowError(FlowError.Kind.UPSTREAM_PROTOCOL, "The server at "
                + route.target().authority() + " closed the connection before it finished answering "
                + describeRequest() + ".");
        if (exchange.responseStarted()) {
            exchange.fail(error);
            resetStream();
        } else {
            answerLocally(error);
        }
    }

    /** Answers the stream with apptap's own 502 (through the codec), whose body is the sentence. */
    private void answerLocally(FlowError error) {
        if (exchange.isComplete() || !ctx.channel().isActive()) {
            return;
        }
        var response = ErrorResponses.plain(ctx.alloc(), HttpResponseStatus.BAD_GATEWAY, error.message());
        exchange.responseHead(502, "", "HTTP/2", response.headers());
        exchange.responseContent(response.content());
        exchange.fail(error);
        ctx.writeAndFlush(response);
    }

    private void resetStream() {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
        }
    }

    private String describeRequest() {
        return exchange.method() + " " + exchange.url();
    }
}
