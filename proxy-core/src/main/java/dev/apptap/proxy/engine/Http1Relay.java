package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import dev.apptap.proxy.rules.RequestFacts;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Relays HTTP/1.x between an app and its upstream, one exchange at a time and in order (pipelined requests
 * wait in a queue, so responses go back in the order asked), streaming bodies with backpressure: the app's
 * socket is read again only once what it sent was written upstream, and the upstream's only once the app
 * took the response bytes. Each exchange is recorded by an {@link HttpExchange}; the {@link RuleStep} decides
 * whether it goes upstream at all. What the app's side is doing at any moment is its {@link Phase}.
 *
 * <p>It serves the proxy port (absolute-form requests) and the transparent connections that {@link Http1ByteRelay}
 * hands over because a rule may answer, route or close a request; connections without such rules are relayed as
 * bytes.
 */
final class Http1Relay extends ChannelInboundHandlerAdapter implements Http1Downstream, Http1Upstream.Events {


    /** What the app's side of the connection is doing. */
    enum Phase {
        /** Waiting for the next request head. */
        AWAITING_HEAD,
        /** Holding the request back until a rule that looks at its body can decide. */
        DECIDING,
        /** Sending the request body upstream as it comes. */
        STREAMING_REQUEST_BODY,
        /** Recording the request body before apptap answers it itself, like a server that reads the body first. */
        READING_BODY_FOR_ANSWER,
        /** apptap answered with an error and drops the rest of the request body. */
        DISCARDING_REQUEST_BODY,
        /** The request went out whole; the response is on its way. */
        AWAITING_RESPONSE,
        /** After a 101 both sides speak another protocol: bytes are relayed as they are. */
        UPGRADED,
        /** The app's connection is closing or closed; whatever still arrives is released. */
        CLOSED
    }

    private final ConnectionContext connection;
    private final boolean absoluteForm;
    private final Dialer dialer;
    private final RuleStep rules;
    private final ArrayDeque<HttpObject> fromApp = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Http1Upstream upstream;
    private Phase phase = Phase.AWAITING_HEAD;
    private HttpExchange exchange;
    /** Whether the connection ends after the current response (the app or the server said so). */
    private boolean closeAfterResponse;
    /** In {@link Phase#DECIDING}: the request so far. */
    private HeldRequest held;
    /** In {@link Phase#READING_BODY_FOR_ANSWER}: what to answer once the body is in. */
    private RuleStep.Answer answerOnceRequestEnds;
    /** In {@link Phase#UPGRADED}: the byte relay that replaced HTTP. */
    private UpgradedTunnel tunnel;
    private ResponseDeadline responseDeadline;

    /**
     * @param absoluteForm whether requests carry absolute URLs (an app using apptap as its HTTP proxy),
     *                     rather than going to the connection's own destination
     */
    Http1Relay(ConnectionContext connection, boolean absoluteForm) {
        this(connection, absoluteForm, connection.runtime.connector());
    }

    Http1Relay(ConnectionContext connection) {
        this(connection, false);
    }

    /** @param dialer opens the upstream connections (handler tests pass their own) */
    Http1Relay(ConnectionContext connection, boolean absoluteForm, Dialer dialer) {
        this.connection = connection;
        this.absoluteForm = absoluteForm;
        this.dialer = dialer;
        this.rules = new RuleStep(connection, RuleStep.CLOSES_CONNECTION);
    }

    Phase phase() {
        return phase;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.upstream = new Http1Upstream(dialer, ctx.channel().eventLoop(), this, this);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (phase == Phase.UPGRADED && msg instanceof ByteBuf bytes) {
            tunnel.fromApp(bytes, upstream.channel(), ctx, this::closeApp);
            return;
        }
        if (phase == Phase.CLOSED || !(msg instanceof HttpObject http)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        upstream.appReadStarted();
        fromApp.add(http);
        drain();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        upstream.appReadComplete();
        ctx.fireChannelReadComplete();
    }

    /** Processes queued messages from the app as far as the current exchange allows. */
    private void drain() {
        while (!fromApp.isEmpty() && phase != Phase.CLOSED) {
            HttpObject next = fromApp.peek();
            if (next instanceof HttpRequest request) {
                if (exchange != null && !exchange.isComplete()) {
                    return; // a pipelined request waits for the response before it
                }
                fromApp.poll();
                startRequest(request);
            } else {
                fromApp.poll();
                requestBody((HttpContent) next);
            }
        }
        if (fromApp.isEmpty()) {
            readFromAppIfIdle();
        }
    }

    private void startRequest(HttpRequest request) {
        exchange = new HttpExchange(connection, ctx.executor());
        phase = Phase.AWAITING_HEAD;
        if (request.decoderResult().isFailure()) {
            rejectMalformed(request);
            return;
        }
        Http1Destination destination = absoluteForm ? Http1Destination.ofAbsoluteForm(request, connection)
                : Http1Destination.ofOriginForm(request, connection);
        if (destination == null) {
            ReferenceCountUtil.release(request);
            phase = Phase.DISCARDING_REQUEST_BODY;
            answerLocally(HttpResponseStatus.BAD_REQUEST, new FlowError(FlowError.Kind.MALFORMED_REQUEST,
                    connection.process.describe() + " sent '" + request.method() + " " + request.uri()
                            + "' to apptap's proxy port, which needs an absolute URL (http://host/path); configure"
                            + " the app to use apptap as its HTTP proxy, or send it through the transparent listener."));
            return;
        }
        closeAfterResponse = !HttpUtil.isKeepAlive(request);
        exchange.requestHead(request.method().name(), destination.url(), request.protocolVersion().text(),
                request.headers());
        boolean whole = request instanceof LastHttpContent;
        if (request instanceof LastHttpContent last) {
            exchange.requestContent(last.content());
            exchange.requestEnd();
        }
        if (rules.passesEverything()) {
            relay(destination.target(), List.of(request), true);
            return;
        }
        RequestFacts head = RuleStep.head(request.method().name(), destination.url(), request.headers());
        if (!whole && rules.needsBody(head)) {
            held = new HeldRequest(rules.bodyFor(head), destination.target());
            held.messages.add(request);
            phase = Phase.DECIDING;
            if (HttpUtil.is100ContinueExpected(request)) {
                request.headers().remove(HttpHeaderNames.EXPECT);
                writeContinue();
            }
            return;
        }
        decide(head, destination.target(), List.of(request));
    }

    /** A part of the request body: what happens to it depends on what the connection is doing. */
    private void requestBody(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        switch (phase) {
            case DECIDING -> {
                record(content, last);
                HeldRequest request = held;
                request.messages.add(content);
                if (request.body.add(content.content(), last)) {
                    held = null;
                    decide(request.body.request(), request.target, request.messages);
                }
            }
            case STREAMING_REQUEST_BODY -> {
                record(content, last);
                if (last) {
                    phase = Phase.AWAITING_RESPONSE;
                }
                upstream.send(content);
            }
            case READING_BODY_FOR_ANSWER -> {
                record(content, last);
                content.release();
                if (last) {
                    RuleStep.Answer answer = answerOnceRequestEnds;
                    answerOnceRequestEnds = null;
                    phase = Phase.AWAITING_RESPONSE;
                    answer(answer);
                }
            }
            default -> {
                // the rest of a request apptap already answered with an error
                content.release();
                if (last && phase == Phase.DISCARDING_REQUEST_BODY) {
                    phase = Phase.AWAITING_RESPONSE;
                }
            }
        }
    }

    private void record(HttpContent content, boolean last) {
        exchange.requestContent(content.content());
        if (last) {
            exchange.requestEnd();
        }
    }

    /** Applies the rule step's outcome: relay (maybe elsewhere), answer locally, or close. */
    private void decide(RequestFacts facts, UpstreamTarget target, List<HttpObject> request) {
        RuleStep.Outcome outcome = rules.decide(facts, exchange);
        FaultInjector.arm(ctx, outcome.fault());
        if (outcome instanceof RuleStep.Route route) {
            route.hostHeader().ifPresent(host -> ((HttpRequest) request.get(0)).headers().set(HttpHeaderNames.HOST, host));
            relay(route.target(), request, false);
        } else if (outcome instanceof RuleStep.Answer answer) {
            answerWhenRequestEnds(request, answer);
        } else if (outcome instanceof RuleStep.Close close) {
            releaseAll(request);
            exchange.fail(close.error());
            closeApp();
        } else {
            relay(target, request, true);
        }
    }

    /**
     * @param mayUsePreconnected whether the connection opened during the app's handshake (to the app's own
     *                           destination) may carry the request
     */
    private void relay(UpstreamTarget target, List<HttpObject> request, boolean mayUsePreconnected) {
        phase = exchange.requestComplete() ? Phase.AWAITING_RESPONSE : Phase.STREAMING_REQUEST_BODY;
        if (!upstream.serves(target)) {
            Future<Channel> inAdvance = absoluteForm ? null : connection.takeConnectingInAdvance();
            if (inAdvance != null && !mayUsePreconnected) {
                ConnectionContext.closeWhenConnected(inAdvance);
                inAdvance = null;
            }
            upstream.open(target, inAdvance);
        }
        for (HttpObject message : request) {
            upstream.send(message);
        }
        armResponseTimer(exchange);
    }

    /** Answers once the request body is in, so the flow records the whole request. */
    private void answerWhenRequestEnds(List<HttpObject> request, RuleStep.Answer answer) {
        boolean expectsContinue = request.get(0) instanceof HttpRequest head && HttpUtil.is100ContinueExpected(head);
        releaseAll(request);
        if (exchange.requestComplete()) {
            phase = Phase.AWAITING_RESPONSE;
            answer(answer);
            return;
        }
        if (expectsContinue) {
            writeContinue();
        }
        answerOnceRequestEnds = answer;
        phase = Phase.READING_BODY_FOR_ANSWER;
    }

    /** Sends apptap's own answer (a stub, the offline 502) after its delay, keeping the connection for the next. */
    private void answer(RuleStep.Answer answer) {
        HttpExchange answered = exchange;
        answer.afterDelay(ctx.executor(), () -> {
            if (phase == Phase.CLOSED || answered != exchange) {
                return;
            }
            if (answer.webSocket() != null) {
                phase = Phase.UPGRADED;
                upstream.close();
                WebSocketAnswer.takeOver(ctx, exchange, answer.webSocket(), answer.headers(),
                        connection.runtime.settings().bodyLimit());
                return;
            }
            FullHttpResponse response = Http1AnswerEncoder.encode(answer, exchange.requestVersion(), closeAfterResponse);
            exchange.responseHead(answer.status(), response.status().reasonPhrase(), "HTTP/1.1", response.headers());
            exchange.responseContent(response.content());
            if (answer.error() != null) {
                exchange.fail(answer.error());
            } else {
                exchange.responseEnd(response.trailingHeaders());
            }
            responseFinished(ctx.writeAndFlush(response));
        });
    }

    private void writeContinue() {
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }

    /** Asks the app for more once its last bytes went upstream, unless it must wait for a response. */
    private void readFromAppIfIdle() {
        if (phase == Phase.CLOSED || !fromApp.isEmpty() || upstream.busy()) {
            return;
        }
        boolean waitingForResponse = exchange != null && exchange.requestComplete() && !exchange.isComplete();
        if (!waitingForResponse) {
            ctx.read();
        }
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
            discardRestOfRequest();
            answerLocally(HttpResponseStatus.BAD_GATEWAY, UpstreamFailures.describe(target, cause));
        }
    }

    @Override
    public boolean appGone() {
        return phase == Phase.CLOSED;
    }

    // ---- from Http1ServerSide, on the same event loop ----

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

    /** The response's last part went to the app: close, or take the next request. */
    @Override
    public void responseFinished(ChannelFuture written) {
        written.addListener((ChannelFutureListener) done -> {
            FaultInjector.disarm(ctx.pipeline());
            if (closeAfterResponse || !done.isSuccess()) {
                closeApp();
                return;
            }
            if (phase == Phase.AWAITING_RESPONSE) {
                phase = Phase.AWAITING_HEAD;
            }
            drain();
        });
    }

    /** After a 101 response both sides speak another protocol: relay it byte for byte (and watch WebSockets). */
    @Override
    public void switchToRawRelay() {
        phase = Phase.UPGRADED;
        tunnel = UpgradedTunnel.after(exchange, connection.runtime.settings().bodyLimit());
        RequestHeadDeadline.removeWithCodec(ctx.pipeline());
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
                discardRestOfRequest();
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
        discardRestOfRequest();
        upstream.close();
        answerLocally(HttpResponseStatus.BAD_GATEWAY,
                Http1Endings.noAnswerInTime(upstream.target(), timed, responseDeadline.timeout()));
    }

    /** apptap answers before the request ended: what is left of its body is dropped. */
    private void discardRestOfRequest() {
        if (!exchange.requestComplete()) {
            phase = Phase.DISCARDING_REQUEST_BODY;
        }
    }

    private void rejectMalformed(HttpRequest request) {
        Throwable cause = request.decoderResult().cause();
        ReferenceCountUtil.release(request);
        phase = Phase.DISCARDING_REQUEST_BODY;
        String detail = cause == null ? "unreadable request" : UpstreamFailures.message(cause);
        String where = connection.host == null ? "apptap's proxy port"
                : Addresses.authority(connection.host, connection.port, -1);
        exchange.requestHead("?", connection.host == null ? "http://unknown/"
                        : "http://" + Addresses.authority(connection.host, connection.port, 80) + "/",
                "HTTP/1.1", EmptyHttpHeaders.INSTANCE);
        answerLocally(ErrorResponses.statusForMalformed(cause), new FlowError(FlowError.Kind.MALFORMED_REQUEST,
                connection.process.describe() + " sent a malformed HTTP request to " + where + " (" + detail
                        + "); apptap answered with an error and closed the connection."));
    }

    /** Answers the app with apptap's own error response, records it on the flow, and closes afterwards. */
    private void answerLocally(HttpResponseStatus status, FlowError error) {
        FullHttpResponse response = ErrorResponses.plain(ctx.alloc(), status, error.message());
        exchange.responseHead(status.code(), status.reasonPhrase(), "HTTP/1.1", response.headers());
        exchange.responseContent(response.content());
        exchange.fail(error);
        closeAfterResponse = true;
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) done -> closeApp());
    }

    private void closeApp() {
        if (phase != Phase.CLOSED) {
            phase = Phase.CLOSED;
            releaseAll(fromApp);
            ctx.close();
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
        releaseAll(fromApp);
        if (upstream != null) {
            upstream.releaseWaiting();
        }
        if (held != null) {
            releaseAll(held.messages);
            held = null;
        }
    }

    private static void releaseAll(Collection<HttpObject> messages) {
        for (HttpObject message : messages) {
            ReferenceCountUtil.release(message);
        }
        if (messages instanceof ArrayDeque<HttpObject> queue) {
            queue.clear();
        }
    }

    /** A request held back in {@link Phase#DECIDING}: its messages so far, and the body the rules will see. */
    private static final class HeldRequest {
        final RuleStep.BodyForRules body;
        final UpstreamTarget target;
        final List<HttpObject> messages = new ArrayList<>();

        HeldRequest(RuleStep.BodyForRules body, UpstreamTarget target) {
            this.body = body;
            this.target = target;
        }
    }
}
