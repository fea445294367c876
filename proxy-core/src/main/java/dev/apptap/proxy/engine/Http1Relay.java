package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.rules.Decision;
import dev.apptap.proxy.rules.RequestFacts;
import dev.apptap.proxy.rules.Respond;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.URI;
import java.util.ArrayDeque;

/**
 * Relays HTTP/1.x between an app and its upstream, one exchange at a time and in order (pipelined requests
 * wait in a queue, so responses go back in the order asked), streaming bodies with backpressure: the app's
 * socket is read again only once what it sent was written upstream, and the upstream's only once the app
 * took the response bytes. Each exchange is recorded by an {@link HttpExchange}.
 */
final class Http1Relay extends ChannelInboundHandlerAdapter {

    private static final System.Logger LOG = System.getLogger(Http1Relay.class.getName());

    private final ConnectionContext connection;
    private final boolean absoluteForm;
    private final ArrayDeque<HttpObject> fromApp = new ArrayDeque<>();
    private final ArrayDeque<HttpObject> awaitingUpstream = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private HttpExchange exchange;
    private Channel upstream;
    private UpstreamTarget upstreamTarget;
    private boolean connecting;
    private boolean closeAfterResponse;
    private boolean discardingRequest;
    private boolean closed;
    private boolean upgraded;
    private PendingDecision pendingDecision;
    /** A stub's answer waiting for the rest of the request body. */
    private Runnable answerOnceRequestEnds;
    private WebSocketObserver fromAppObserver;
    private WebSocketObserver fromServerObserver;
    private ResponseDeadline responseDeadline;
    /** Between the app's channelRead and channelReadComplete: upstream writes wait for one flush at the end. */
    private boolean inAppRead;
    private boolean upstreamFlushPending;

    /**
     * @param absoluteForm whether requests carry absolute URLs (an app using apptap as its HTTP proxy),
     *                     rather than going to the connection's own destination
     */
    Http1Relay(ConnectionContext connection, boolean absoluteForm) {
        this.connection = connection;
        this.absoluteForm = absoluteForm;
    }

    Http1Relay(ConnectionContext connection) {
        this(connection, false);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (upgraded && msg instanceof ByteBuf bytes) {
            relayUpgraded(bytes);
            return;
        }
        if (closed || !(msg instanceof HttpObject http)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        inAppRead = true;
        fromApp.add(http);
        drain();
    }

    /** A request's head and body that arrived in one read go upstream in one flush (one TLS record, one segment). */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inAppRead = false;
        if (upstreamFlushPending) {
            upstreamFlushPending = false;
            if (upstream != null) {
                upstream.flush();
            }
        }
        ctx.fireChannelReadComplete();
    }

    /** Processes queued messages from the app as far as the current exchange allows. */
    private void drain() {
        while (!fromApp.isEmpty() && !closed) {
            HttpObject next = fromApp.peek();
            if (next instanceof HttpRequest) {
                if (exchange != null && !exchange.isComplete()) {
                    return; // a pipelined request waits for the response before it
                }
                fromApp.poll();
                startRequest((HttpRequest) next);
                continue;
            }
            fromApp.poll();
            if (answerOnceRequestEnds != null && exchange != null) {
                HttpContent content = (HttpContent) next;
                exchange.requestContent(content.content());
                boolean last = content instanceof LastHttpContent;
                ReferenceCountUtil.release(next);
                if (last) {
                    exchange.requestEnd();
                    Runnable answer = answerOnceRequestEnds;
                    answerOnceRequestEnds = null;
                    answer.run();
                }
                continue;
            }
            if (discardingRequest || exchange == null) {
                discardingRequest &= !(next instanceof LastHttpContent);
                ReferenceCountUtil.release(next);
                continue;
            }
            HttpContent content = (HttpContent) next;
            exchange.requestContent(content.content());
            boolean last = content instanceof LastHttpContent;
            if (last) {
                exchange.requestEnd();
            }
            if (pendingDecision != null) {
                if (pendingDecision.add(content)) {
                    PendingDecision ready = pendingDecision;
                    pendingDecision = null;
                    decide(ready.head.withBody(ready.body.toByteArray()), ready.target, ready.held);
                }
                continue;
            }
            sendUpstream(content);
        }
        if (fromApp.isEmpty()) {
            readFromAppIfIdle();
        }
    }

    private void startRequest(HttpRequest request) {
        exchange = new HttpExchange(connection, ctx.executor());
        if (request.decoderResult().isFailure()) {
            rejectMalformed(request);
            return;
        }
        UpstreamTarget target;
        String url;
        if (absoluteForm) {
            URI uri = absoluteUri(request.uri());
            if (uri == null) {
                ReferenceCountUtil.release(request);
                answerLocally(HttpResponseStatus.BAD_REQUEST, new FlowError(FlowError.Kind.MALFORMED_REQUEST,
                        connection.process.describe() + " sent '" + request.method() + " " + request.uri()
                                + "' to apptap's proxy port, which needs an absolute URL (http://host/path); configure"
                                + " the app to use apptap as its HTTP proxy, or send it through the transparent listener."));
                return;
            }
            boolean https = "https".equalsIgnoreCase(uri.getScheme());
            int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
            String host = stripBrackets(uri.getHost());
            connection.host = host;
            connection.port = port;
            target = new UpstreamTarget(host, port, null, https, UpstreamTarget.only(https ? "http/1.1" : ""));
            String originForm = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            request.setUri(uri.getRawQuery() == null ? originForm : originForm + "?" + uri.getRawQuery());
            request.headers().remove("Proxy-Connection").remove(HttpHeaderNames.PROXY_AUTHORIZATION);
            if (!request.headers().contains(HttpHeaderNames.HOST)) {
                request.headers().set(HttpHeaderNames.HOST, Addresses.authority(host, port, https ? 443 : 80));
            }
            url = (https ? "https://" : "http://") + Addresses.authority(host, port, https ? 443 : 80) + request.uri();
        } else {
            boolean https = connection.isTls();
            target = new UpstreamTarget(connection.host, connection.port, connection.originalAddress, https,
                    UpstreamTarget.only(https ? connection.tls.alpn() : ""));
            url = urlFor(request, https);
        }
        closeAfterResponse = !HttpUtil.isKeepAlive(request);
        exchange.requestHead(request.method().name(), url, request.protocolVersion().text(), request.headers());
        if (request instanceof LastHttpContent last) {
            exchange.requestContent(last.content());
            exchange.requestEnd();
        }
        if (connection.runtime.settings().rules().isEmpty()) {
            relay(target, List.of(request), true);
            return;
        }
        RequestFacts head = RuleActions.facts(request.method().name(), url, request.headers());
        if (!(request instanceof LastHttpContent) && connection.runtime.settings().rules().needsBody(head)) {
            // a rule looks at the body: hold the request until the body (or the recording limit) is in
            pendingDecision = new PendingDecision(head, target, connection.runtime.settings().bodyLimit());
            pendingDecision.held.add(request);
            if (HttpUtil.is100ContinueExpected(request)) {
                request.headers().remove(HttpHeaderNames.EXPECT);
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
            }
            return;
        }
        decide(head, target, List.of(request));
    }

    /** Applies the rule set's decision: relay (maybe elsewhere), answer with a stub, or close. */
    private void decide(RequestFacts facts, UpstreamTarget target, List<HttpObject> request) {
        Decision decision = connection.runtime.settings().rules().decide(facts);
        if (decision instanceof Decision.Stubbed stubbed) {
            exchange.handledBy(RuleActions.handling(HttpFlow.Handling.Kind.STUBBED, stubbed.rule()));
            answerWith(request, stubbed.response(), null);
        } else if (decision instanceof Decision.OfflineUnmatched offline) {
            exchange.handledBy(RuleActions.handling(HttpFlow.Handling.Kind.OFFLINE, null));
            answerWith(request, offline.response(), new FlowError(FlowError.Kind.NO_STUB_MATCHED, offline.sentence()));
        } else if (decision instanceof Decision.Closed closedByRule) {
            exchange.handledBy(RuleActions.handling(HttpFlow.Handling.Kind.CLOSED, closedByRule.rule()));
            releaseAll(request);
            exchange.fail(new FlowError(FlowError.Kind.CLOSED_BY_RULE, "The rule " + closedByRule.rule().describe()
                    + " closed the connection of " + connection.process.describe() + " instead of answering "
                    + exchange.method() + " " + exchange.url() + "."));
            closeApp();
        } else if (decision instanceof Decision.Routed routed) {
            exchange.handledBy(RuleActions.handling(HttpFlow.Handling.Kind.ROUTED, routed.rule()));
            routed.forward().hostHeader().ifPresent(host -> ((HttpRequest) request.get(0)).headers().set(HttpHeaderNames.HOST, host));
            relay(RuleActions.target(routed.forward()), request, false);
        } else {
            relay(target, request, true);
        }
    }

    private void relay(UpstreamTarget target, List<HttpObject> request, boolean mayUsePreconnected) {
        ensureUpstream(target, mayUsePreconnected);
        for (HttpObject message : request) {
            sendUpstream(message);
        }
        armResponseTimer(exchange);
    }

    /** Answers with a stub (or the offline 502) after its delay, keeping the connection for the next request. */
    private void answerWith(List<HttpObject> request, Respond stub, FlowError error) {
        boolean expectsContinue = !request.isEmpty() && request.get(0) instanceof HttpRequest head
                && HttpUtil.is100ContinueExpected(head);
        releaseAll(request);
        if (!exchange.requestComplete()) {
            if (expectsContinue) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
            }
            // answer like a server that reads the body first, so the flow records the whole request
            answerOnceRequestEnds = () -> answerWith(List.of(), stub, error);
            return;
        }
        HttpExchange answered = exchange;
        Runnable answer = () -> {
            if (closed || answered != exchange) {
                return;
            }
            byte[] body = RuleActions.body(stub);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(stub.status()), Unpooled.wrappedBuffer(body));
            stub.headers().forEach(field -> response.headers().add(field.getKey(), field.getValue()));
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
            if (closeAfterResponse) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            exchange.responseHead(stub.status(), response.status().reasonPhrase(), "HTTP/1.1", response.headers());
            exchange.responseContent(response.content());
            if (error != null) {
                exchange.fail(error);
            } else {
                exchange.responseEnd(null);
            }
            responseFinished(ctx.writeAndFlush(response));
        };
        RuleActions.afterDelay(ctx.executor(), stub, answer);
    }

    /** A request held back until its body is in, because a rule matches on the body. */
    private static final class PendingDecision {
        final RequestFacts head;
        final UpstreamTarget target;
        final int limit;
        final List<HttpObject> held = new ArrayList<>();
        final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();

        PendingDecision(RequestFacts head, UpstreamTarget target, int limit) {
            this.head = head;
            this.target = target;
            this.limit = limit;
        }

        /** Holds {@code content}; true once the decision can be made. */
        boolean add(HttpContent content) {
            held.add(content);
            int take = Math.min(content.content().readableBytes(), limit - body.size());
            if (take > 0) {
                byte[] bytes = new byte[take];
                content.content().getBytes(content.content().readerIndex(), bytes);
                body.write(bytes, 0, take);
            }
            return content instanceof LastHttpContent || body.size() >= limit;
        }
    }

    /** Gives the upstream {@code responseTimeout} to begin answering; apptap answers 502 after that. */
    private void armResponseTimer(HttpExchange timed) {
        if (responseDeadline == null) {
            responseDeadline = new ResponseDeadline(ctx.executor(), connection.runtime.settings().responseTimeout(),
                    this::responseTimedOut);
        }
        responseDeadline.arm(timed);
    }

    private void responseTimedOut(HttpExchange timed) {
        if (closed || timed != exchange || timed.isComplete() || timed.responseStarted()) {
            return;
        }
        discardingRequest = !timed.requestComplete();
        if (upstream != null) {
            upstream.close();
        }
        answerLocally(HttpResponseStatus.BAD_GATEWAY, new FlowError(FlowError.Kind.UPSTREAM_TIMEOUT,
                "The server at " + upstreamTarget.authority() + " did not begin answering " + timed.method()
                        + " " + timed.url() + " within " + responseDeadline.timeout().toSeconds()
                        + " s; apptap gave up waiting."));
    }

    /** The response head arrived: the upstream is answering. */
    void responseArrived() {
        if (responseDeadline != null) {
            responseDeadline.disarm();
        }
    }

    private String urlFor(HttpRequest request, boolean https) {
        int defaultPort = https ? 443 : 80;
        String hostHeader = request.headers().get(HttpHeaderNames.HOST);
        String authority;
        if (hostHeader != null && !hostHeader.isBlank()) {
            authority = HostHeaders.withPort(hostHeader.trim(), connection.port, defaultPort);
            String name = HostHeaders.host(authority);
            if (!Addresses.isIpLiteral(name) && (connection.hello == null || connection.hello.sni().isEmpty())) {
                connection.host = name;
            }
        } else {
            authority = Addresses.authority(connection.host, connection.port, defaultPort);
        }
        String target = request.uri();
        if (!target.startsWith("/")) {
            URI absolute = absoluteUri(target);
            target = absolute == null ? "/" + target : absolute.getRawPath() + (absolute.getRawQuery() == null ? "" : "?" + absolute.getRawQuery());
        }
        return (https ? "https://" : "http://") + authority + target;
    }

    private void ensureUpstream(UpstreamTarget target, boolean mayUsePreconnected) {
        if (upstream != null && upstream.isActive() && target.sameConnectionAs(upstreamTarget)) {
            return;
        }
        Future<Channel> inAdvance = absoluteForm ? null : connection.takeConnectingInAdvance();
        if (inAdvance != null && !mayUsePreconnected) {
            ConnectionContext.closeWhenConnected(inAdvance);
            inAdvance = null;
        }
        if (upstream != null) {
            Channel old = upstream;
            upstream = null;
            old.close();
        }
        upstreamTarget = target;
        connecting = true;
        if (inAdvance != null) {
            // opened during the app's handshake (and, for h2 offers, the server chose HTTP/1.1): use that connection
            inAdvance.addListener((Future<Channel> connected) -> {
                if (connected.isSuccess() && !connected.getNow().isActive()) {
                    connectNow(target); // the server hung up before the app's request came
                    return;
                }
                if (connected.isSuccess()) {
                    HeldInbound.installAndRelease(connected.getNow(), new HttpClientCodec(), new Http1ServerSide(this));
                }
                onUpstreamConnected(target, connected);
            });
            return;
        }
        connectNow(target);
    }

    private void connectNow(UpstreamTarget target) {
        connection.runtime.connector().connect(ctx.channel().eventLoop(), target,
                () -> new ChannelHandler[]{new HttpClientCodec(), new Http1ServerSide(this)})
                .addListener((Future<Channel> connected) -> onUpstreamConnected(target, connected));
    }

    private void onUpstreamConnected(UpstreamTarget target, Future<Channel> connected) {
        connecting = false;
        if (target != upstreamTarget) {
            if (connected.isSuccess()) {
                connected.getNow().close();
            }
            return;
        }
        if (!connected.isSuccess()) {
            releaseAll(awaitingUpstream);
            FlowError error = UpstreamFailures.describe(target, connected.cause());
            if (exchange != null && !exchange.isComplete()) {
                discardingRequest = !exchange.requestComplete();
                answerLocally(HttpResponseStatus.BAD_GATEWAY, error);
            }
            return;
        }
        upstream = connected.getNow();
        if (closed) {
            upstream.close();
            return;
        }
        while (!awaitingUpstream.isEmpty()) {
            writeUpstream(awaitingUpstream.poll());
        }
        upstream.flush();
        upstream.read();
    }

    private void sendUpstream(HttpObject message) {
        if (connecting || upstream == null) {
            awaitingUpstream.add(message);
            return;
        }
        writeUpstream(message);
        if (inAppRead) {
            upstreamFlushPending = true;
        } else {
            upstream.flush();
        }
        if (message instanceof HttpRequest) {
            upstream.read();
        }
    }

    private void writeUpstream(HttpObject message) {
        upstream.write(message).addListener((ChannelFutureListener) written -> {
            if (written.isSuccess()) {
                readFromAppIfIdle();
            } else if (exchange != null && !exchange.isComplete()) {
                exchange.fail(UpstreamFailures.describe(upstreamTarget, written.cause()));
                closeApp();
            }
        });
    }

    /** Asks the app for more once its last bytes went upstream, unless it must wait for a response. */
    private void readFromAppIfIdle() {
        if (closed || !fromApp.isEmpty() || connecting || !awaitingUpstream.isEmpty()) {
            return;
        }
        boolean waitingForResponse = exchange != null && exchange.requestComplete() && !exchange.isComplete();
        if (!waitingForResponse) {
            ctx.read();
        }
    }

    // ---- called by Http1ServerSide, on the same event loop ----

    HttpExchange exchange() {
        return exchange;
    }

    ChannelHandlerContext appContext() {
        return ctx;
    }

    void markCloseAfterResponse() {
        closeAfterResponse = true;
    }

    /** The response's last part went to the app: close, or take the next request. */
    void responseFinished(ChannelFuture written) {
        written.addListener((ChannelFutureListener) done -> {
            if (closeAfterResponse || !done.isSuccess()) {
                closeApp();
                return;
            }
            drain();
        });
    }

    /** After a 101 response both sides speak another protocol: relay it byte for byte (and watch WebSockets). */
    void switchToRawRelay() {
        upgraded = true;
        HttpExchange upgradedExchange = exchange;
        if (upgradedExchange != null && upgradedExchange.isWebSocket()) {
            int limit = connection.runtime.settings().bodyLimit();
            fromAppObserver = new WebSocketObserver(dev.apptap.flow.WebSocketMessage.Direction.FROM_APP, limit,
                    upgradedExchange::webSocketMessage);
            fromServerObserver = new WebSocketObserver(dev.apptap.flow.WebSocketMessage.Direction.FROM_SERVER,
                    limit, upgradedExchange::webSocketMessage);
            String extensions = upgradedExchange.agreedWebSocketExtensions();
            if (extensions.contains("permessage-deflate")) {
                fromAppObserver.permessageDeflate(extensions.contains("client_no_context_takeover"));
                fromServerObserver.permessageDeflate(extensions.contains("server_no_context_takeover"));
            }
        }
        RequestHeadDeadline.removeWithCodec(ctx.pipeline());
        ctx.read();
    }

    void observeFromServer(ByteBuf bytes) {
        if (fromServerObserver != null) {
            fromServerObserver.observe(bytes);
        }
    }

    private void relayUpgraded(ByteBuf bytes) {
        if (upstream == null || !upstream.isActive()) {
            bytes.release();
            return;
        }
        if (fromAppObserver != null) {
            fromAppObserver.observe(bytes);
        }
        upstream.writeAndFlush(bytes).addListener((ChannelFutureListener) written -> {
            if (written.isSuccess()) {
                ctx.read();
            } else {
                closeApp();
            }
        });
    }

    void upstreamClosed(Channel channel) {
        if (channel != upstream) {
            return;
        }
        upstream = null;
        if (upgraded) {
            if (exchange != null) {
                exchange.upgradedConnectionClosed();
            }
            TcpRelay.closeOnFlush(ctx.channel());
            return;
        }
        if (exchange != null && !exchange.isComplete()) {
            FlowError error = new FlowError(FlowError.Kind.UPSTREAM_PROTOCOL, "The server at "
                    + upstreamTarget.authority() + " closed the connection before it finished answering "
                    + exchange.method() + " " + exchange.url() + ".");
            if (!exchange.responseStarted()) {
                discardingRequest = !exchange.requestComplete();
                answerLocally(HttpResponseStatus.BAD_GATEWAY, error);
            } else {
                exchange.fail(error);
                closeApp();
            }
        }
    }

    // ---- local answers and endings ----

    private void rejectMalformed(HttpRequest request) {
        Throwable cause = request.decoderResult().cause();
        ReferenceCountUtil.release(request);
        discardingRequest = true;
        String detail = cause == null ? "unreadable request" : UpstreamFailures.message(cause);
        String where = connection.host == null ? "apptap's proxy port"
                : Addresses.authority(connection.host, connection.port, -1);
        exchange.requestHead("?", connection.host == null ? "http://unknown/"
                        : "http://" + Addresses.authority(connection.host, connection.port, 80) + "/",
                "HTTP/1.1", io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
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
        if (!closed) {
            closed = true;
            releaseAll(fromApp);
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        if (upgraded && exchange != null) {
            exchange.upgradedConnectionClosed();
        }
        if (exchange != null && !exchange.isComplete()) {
            exchange.fail(new FlowError(FlowError.Kind.CLIENT_DISCONNECTED, connection.process.describe()
                    + " closed its connection before " + (exchange.requestComplete()
                    ? "the response to " : "it finished sending ") + exchange.method() + " " + exchange.url()
                    + (exchange.requestComplete() ? " was complete." : ".")));
        }
        if (upstream != null) {
            upstream.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and broken pipes end the connection; channelInactive records what was cut short.
        if (!(cause instanceof java.io.IOException) && !(cause instanceof java.io.UncheckedIOException) && exchange != null && !exchange.isComplete()) {
            LOG.log(System.Logger.Level.WARNING, "apptap failed while relaying for " + connection.describe(), cause);
            exchange.fail(new FlowError(FlowError.Kind.INTERNAL, "apptap failed while relaying " + exchange.method()
                    + " " + exchange.url() + " for " + connection.process.describe() + ": " + cause
                    + "; please report this with the flow attached."));
        }
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (responseDeadline != null) {
            responseDeadline.cancel();
        }
        releaseAll(fromApp);
        releaseAll(awaitingUpstream);
        if (pendingDecision != null) {
            releaseAll(pendingDecision.held);
            pendingDecision = null;
        }
    }

    private static void releaseAll(java.util.Collection<HttpObject> messages) {
        for (HttpObject message : messages) {
            ReferenceCountUtil.release(message);
        }
        if (messages instanceof ArrayDeque<HttpObject> queue) {
            queue.clear();
        }
    }

    private static URI absoluteUri(String target) {
        try {
            URI uri = new URI(target);
            return uri.isAbsolute() && uri.getHost() != null ? uri : null;
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
