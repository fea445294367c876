package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

/**
 * Relays HTTP/1.x between an app and its upstream as bytes: each request's bytes go upstream as they arrive (one
 * read, one write), and each response's back to the app the same way ({@link Http1ByteServerSide}), while
 * {@link Http1HeadParser} and {@link Http1BodyFramer} read them on the side for the {@link HttpExchange} that
 * records them. Nothing is decoded into Netty's HTTP objects and encoded again. One exchange at a time, in order:
 * a pipelined request waits in the buffer until the response before it is through; the app is read again only once
 * its bytes were written upstream.
 *
 * <p>This relay forwards; it does not answer. When a request needs more than forwarding (a rule set that may stub,
 * route or close it, a head this parser rejects, which then gets the codec's error answer, a CONNECT), the
 * connection is handed to {@link Http1Relay} behind Netty's server codec from that request on, which is where
 * apptap's own answers are made.
 */
final class Http1ByteRelay extends ChannelInboundHandlerAdapter implements Http1Downstream, Http1Upstream.Events {


    /** What the app's side of the connection is doing. */
    enum Phase {
        /** Waiting for the next request head. */
        AWAITING_HEAD,
        /** Sending the request body upstream as it comes. */
        STREAMING_REQUEST_BODY,
        /** The request went out whole; the response is on its way. */
        AWAITING_RESPONSE,
        /** After a 101 both sides speak another protocol: bytes are relayed as they are. */
        UPGRADED,
        /** apptap answered with its own error and closes once it is written; what arrives meanwhile is dropped. */
        ANSWERED,
        /** The app's connection is closing or closed; whatever still arrives is released. */
        CLOSED
    }

    private final ConnectionContext connection;
    private final Dialer dialer;
    private final RuleStep rules;
    private final Http1HeadParser heads;
    private final Http1BodyFramer requestBody = new Http1BodyFramer();
    private final Http1BodyFramer.Body recordRequestBody = data -> exchange().requestContent(data);
    private ChannelHandlerContext ctx;
    private RequestHeadDeadline headDeadline;
    private Http1Upstream upstream;
    private Phase phase = Phase.AWAITING_HEAD;
    private HttpExchange exchange;
    /** What the app sent that is not yet forwarded: a head still arriving, or requests pipelined behind this one. */
    private ByteBuf pending;
    /** Whether the connection ends after the current response (the app or the server said so). */
    private boolean closeAfterResponse;
    private UpgradedTunnel tunnel;
    private ResponseDeadline responseDeadline;

    Http1ByteRelay(ConnectionContext connection) {
        this(connection, connection.runtime.connector());
    }

    /** @param dialer opens the upstream connections (handler tests pass their own) */
    Http1ByteRelay(ConnectionContext connection, Dialer dialer) {
        this.connection = connection;
        this.dialer = dialer;
        this.rules = new RuleStep(connection, RuleStep.CLOSES_CONNECTION);
        EngineSettings settings = connection.runtime.settings();
        this.heads = new Http1HeadParser(settings.maxHeaderSize(), settings.maxInitialLineLength());
    }

    Phase phase() {
        return phase;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.headDeadline = ctx.pipeline().get(RequestHeadDeadline.class);
        this.upstream = new Http1Upstream(dialer, ctx.channel().eventLoop(), this, this,
                () -> new ChannelHandler[]{new Http1ByteServerSide(this)});
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes) || phase == Phase.CLOSED || phase == Phase.ANSWERED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (phase == Phase.UPGRADED) {
            tunnel.fromApp(bytes, upstream.channel(), ctx, this::closeApp);
            return;
        }
        upstream.appReadStarted();
        append(bytes);
        process();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        upstream.appReadComplete();
        ctx.fireChannelReadComplete();
    }

    private void append(ByteBuf bytes) {
        if (pending == null) {
            pending = bytes;
            return;
        }
        if (!pending.isReadable()) {
            pending.release();
            pending = bytes;
            return;
        }
        // rare: a head split over reads, or pipelined requests behind one still in flight
        ByteBuf joined = ctx.alloc().buffer(pending.readableBytes() + bytes.readableBytes());
        joined.writeBytes(pending).writeBytes(bytes);
        pending.release();
        bytes.release();
        pending = joined;
    }

    /** Forwards and records what is pending as far as the current exchange allows. */
    private void process() {
        while (pending != null && pending.isReadable()) {
            if (phase == Phase.STREAMING_REQUEST_BODY) {
                if (!forwardRequestBody()) {
                    return;
                }
            } else if (phase == Phase.AWAITING_HEAD) {
                Http1Head head;
                try {
                    head = heads.request(pending);
                } catch (Http1HeadParser.BadHead bad) {
                    handOverToCodec(); // the codec's relay answers malformed requests the way it always has
                    return;
                }
                if (head == null) {
                    break;
                }
                if (!rules.passesEverything() || "CONNECT".equals(head.method())) {
                    handOverToCodec();
                    return;
                }
                startRequest(head);
            } else {
                break; // a pipelined request waits for the response before it
            }
        }
        if (pending != null && !pending.isReadable()) {
            pending.release();
            pending = null;
        }
        readFromAppIfIdle();
    }

    private void startRequest(Http1Head head) {
        if (headDeadline != null) {
            headDeadline.headArrived();
        }
        exchange = new HttpExchange(connection, ctx.executor());
        Http1Destination destination = Http1Destination.ofOriginForm(head.host(), head.target(), connection);
        closeAfterResponse = !head.keepAlive();
        exchange.requestHead(head.method(), destination.url(), head.version(), head.headers());
        ByteBuf headBytes = pending.readRetainedSlice(head.length());
        requestBody.start(head.contentLength(), head.chunked());
        phase = Phase.STREAMING_REQUEST_BODY;
        if (!upstream.serves(destination.target())) {
            Future<Channel> inAdvance = connection.takeConnectingInAdvance();
            upstream.open(destination.target(), inAdvance);
        }
        upstream.send(headBytes, true);
        armResponseTimer(exchange);
        if (requestBody.ended()) {
            requestEnded();
        }
    }

    /** @return whether the request ended, so what follows may be the next request */
    private boolean forwardRequestBody() {
        int from = pending.readerIndex();
        boolean ended;
        try {
            ended = requestBody.feed(pending, recordRequestBody);
        } catch (Http1BodyFramer.BadBody bad) {
            exchange.fail(new FlowError(FlowError.Kind.MALFORMED_REQUEST, connection.process.describe()
                    + " sent a malformed HTTP request body to " + exchange.url() + " (" + bad.getMessage()
                    + "); apptap closed the connection."));
            closeApp();
            return false;
        }
        int forwarded = pending.readerIndex() - from;
        if (forwarded > 0) {
            upstream.send(pending.retainedSlice(from, forwarded), false);
        }
        if (ended) {
            requestEnded();
        }
        return ended;
    }

    private void requestEnded() {
        exchange.requestEnd();
        if (headDeadline != null) {
            headDeadline.requestEnded();
        }
        if (phase == Phase.STREAMING_REQUEST_BODY) {
            phase = exchange.isComplete() ? Phase.AWAITING_HEAD : Phase.AWAITING_RESPONSE;
        }
    }

    /**
     * From this request on, the connection goes through Netty's server codec and {@link Http1Relay}, which asks the
     * rules and answers for apptap. Happens only between exchanges, so no half-forwarded message is left behind.
     */
    private void handOverToCodec() {
        ChannelPipeline pipeline = ctx.pipeline();
        ByteBuf rest = pending;
        pending = null;
        upstream.close();
        String last;
        if (headDeadline != null) {
            headDeadline.addCodecAfter(pipeline, ctx.name());
            last = RequestHeadDeadline.WATCH;
        } else {
            pipeline.addAfter(ctx.name(), Pipelines.HTTP_CODEC, Pipelines.newServerCodec(connection.runtime.settings()));
            last = Pipelines.HTTP_CODEC;
        }
        phase = Phase.CLOSED; // nothing of this connection is this relay's any more
        pipeline.remove(this);
        pipeline.addAfter(last, Pipelines.HTTP_RELAY, new Http1Relay(connection, false, dialer));
        // like a removed ByteToMessageDecoder, pass what was read on to the handlers that take over
        ctx.fireChannelRead(rest);
        ctx.fireChannelReadComplete();
    }

    /**
     * Asks the app for more once its last bytes went upstream. While a response is due the app's socket stays armed
     * for one read ahead: a keep-alive app is silent then, and letting Netty's epoll clear the read interest after
     * every request and set it again after every response cost two epoll_ctl calls per exchange. What a pipelining
     * app sends meanwhile waits in {@code pending}, and nothing more is read until the response is done.
     */
    private void readFromAppIfIdle() {
        if (phase == Phase.CLOSED || phase == Phase.ANSWERED || upstream.busy()) {
            return;
        }
        if (phase == Phase.AWAITING_RESPONSE) {
            if (pending == null) {
                ctx.read();
            }
            return;
        }
        if (phase == Phase.AWAITING_HEAD && exchange != null && !exchange.isComplete()) {
            return;
        }
        ctx.read();
    }

    // ---- from the upstream connection ----

    @Override
    public void upstreamWritten() {
        readFromAppIfIdle();
    }

    @Override
    public void upstreamWriteFailed(UpstreamTarget target, Throwable cause) {
        if (exchange != null && !exchange.isComplete()) {
            exchange.fail(UpstreamFailures.describe(target, cause));
            closeApp();
        }
    }

    @Override
    public void upstreamConnectFailed(UpstreamTarget target, Throwable cause) {
        if (exchange != null && !exchange.isComplete()) {
            answerLocally(HttpResponseStatus.BAD_GATEWAY, UpstreamFailures.describe(target, cause));
        }
    }

    @Override
    public boolean appGone() {
        return phase == Phase.CLOSED;
    }

    // ---- from Http1ByteServerSide, on the same event loop ----

    @Override
    public HttpExchange exchange() {
        return exchange;
    }

    @Override
    public ChannelHandlerContext appContext() {
        return ctx;
    }

    @Override
    public void markCloseAfterResponse() {
        closeAfterResponse = true;
    }

    @Override
    public void responseArrived() {
        if (responseDeadline != null) {
            responseDeadline.disarm();
        }
    }

    /** The response's last bytes went to the app: close, or take the next request. */
    @Override
    public void responseFinished(ChannelFuture written) {
        written.addListener((ChannelFutureListener) done -> {
            if (closeAfterResponse || !done.isSuccess()) {
                closeApp();
                return;
            }
            if (phase == Phase.AWAITING_RESPONSE) {
                phase = Phase.AWAITING_HEAD;
            }
            process();
        });
    }

    /** After a 101 both sides speak another protocol: relay it byte for byte (and watch WebSockets). */
    @Override
    public void switchToRawRelay() {
        phase = Phase.UPGRADED;
        tunnel = UpgradedTunnel.after(exchange, connection.runtime.settings().bodyLimit());
        RequestHeadDeadline.removeWithCodec(ctx.pipeline());
        headDeadline = null;
        if (pending != null) {
            ByteBuf early = pending;
            pending = null;
            if (early.isReadable()) {
                tunnel.fromApp(early, upstream.channel(), ctx, this::closeApp);
                return;
            }
            early.release();
        }
        ctx.read();
    }

    @Override
    public void observeFromServer(ByteBuf bytes) {
        if (tunnel != null) {
            tunnel.fromServer(bytes);
        }
    }

    @Override
    public void upstreamClosed(Channel channel) {
        if (!upstream.lost(channel)) {
            return;
        }
        if (phase == Phase.UPGRADED) {
            if (exchange != null) {
                exchange.upgradedConnectionClosed();
            }
            TcpRelay.closeOnFlush(ctx.channel());
            return;
        }
        if (exchange != null && !exchange.isComplete()) {
            FlowError error = Http1Endings.serverClosedEarly(upstream.target(), exchange);
            if (!exchange.responseStarted()) {
                answerLocally(HttpResponseStatus.BAD_GATEWAY, error);
            } else {
                exchange.fail(error);
                closeApp();
            }
        }
    }

    // ---- deadlines, local answers and endings ----

    /** Gives the upstream {@code responseTimeout} to begin answering; apptap answers 502 after that. */
    private void armResponseTimer(HttpExchange timed) {
        if (responseDeadline == null) {
            responseDeadline = new ResponseDeadline(ctx.executor(), connection.runtime.settings().responseTimeout(),
                    this::responseTimedOut);
        }
        responseDeadline.arm(timed);
    }

    private void responseTimedOut(HttpExchange timed) {
        if (phase == Phase.CLOSED || timed != exchange || timed.isComplete() || timed.responseStarted()) {
            return;
        }
        upstream.close();
        answerLocally(HttpResponseStatus.BAD_GATEWAY,
                Http1Endings.noAnswerInTime(upstream.target(), timed, responseDeadline.timeout()));
    }

    /** Answers the app with apptap's own error response, records it on the flow, and closes afterwards. */
    private void answerLocally(HttpResponseStatus status, FlowError error) {
        if (phase == Phase.CLOSED || phase == Phase.ANSWERED) {
            return;
        }
        phase = Phase.ANSWERED;
        releasePending();
        FullHttpResponse response = ErrorResponses.plain(ctx.alloc(), status, error.message());
        exchange.responseHead(status.code(), status.reasonPhrase(), "HTTP/1.1", response.headers());
        exchange.responseContent(response.content());
        exchange.fail(error);
        ctx.writeAndFlush(ErrorResponses.encode(ctx.alloc(), response))
                .addListener((ChannelFutureListener) done -> closeApp());
    }

    private void closeApp() {
        if (phase != Phase.CLOSED) {
            phase = Phase.CLOSED;
            releasePending();
            ctx.close();
        }
    }

    private void releasePending() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        boolean wasUpgraded = phase == Phase.UPGRADED;
        phase = Phase.CLOSED;
        if (wasUpgraded && exchange != null) {
            exchange.upgradedConnectionClosed();
        }
        Http1Endings.appClosed(connection, exchange);
        upstream.close();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Http1Endings.failed(connection, exchange, cause);
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (responseDeadline != null) {
            responseDeadline.cancel();
        }
        releasePending();
        if (upstream != null) {
            upstream.releaseWaiting();
        }
    }
}
