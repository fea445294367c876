package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import dev.apptap.proxy.rules.RequestFacts;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * One app stream of {@link Http2FrameRelay}: its frames go to a stream on the server connection and the server's
 * frames come back, recorded as one flow, with no channel of its own on either side. Flow-control credit goes back to
 * a sender only once the other side's codec wrote its bytes, so a slow reader slows the sender instead of filling
 * the engine's memory. The rule step decides before anything goes upstream: relay, route, answer, or reset.
 */
final class Http2RelayedStream implements Http2FrameUpstream.Responses {

    /** What the stream is doing with the app's request. */
    enum Phase {
        /** Holding the request's frames until the rules have decided. */
        DECIDING,
        /** Relaying the stream to the server's HTTP/2 connection. */
        RELAYING,
        /** apptap answers (or resets) the stream itself; the request's frames are dropped. */
        ANSWERING_LOCALLY,
        /** A route sends the stream to an HTTP/1.1 server ({@link Http2RoutedFrames}). */
        ROUTED
    }

    private final ConnectionContext connection;
    private final ChannelHandlerContext app;
    private final Http2FrameStream appStream;
    private final Http2FrameUpstream upstream;
    private final Dialer dialer;
    private final RuleStep rules;
    private final ArrayDeque<Http2StreamFrame> held = new ArrayDeque<>(2);
    private Phase phase = Phase.DECIDING;
    private HttpExchange exchange;
    private Http2FrameUpstream.ServerStream server;
    private Http2RoutedFrames routed;
    private boolean responseHeadSeen;
    private boolean reset;
    /** While deciding on a rule that looks at the body: the body so far. */
    private RuleStep.BodyForRules bodyForRules;
    /** In {@link Phase#ANSWERING_LOCALLY}: what to answer once the request body is in. */
    private RuleStep.Answer answerOnceRequestEnds;
    /** A rule's fault on this stream's response, or {@code null}. */
    private Http2StreamFaults faults;

    /** @param app the app connection's relay handler, where frames for the app are written */
    Http2RelayedStream(ConnectionContext connection, ChannelHandlerContext app, Http2FrameStream appStream,
                       Http2FrameUpstream upstream, Dialer dialer, RuleStep rules) {
        this.connection = connection;
        this.app = app;
        this.appStream = appStream;
        this.upstream = upstream;
        this.dialer = dialer;
        this.rules = rules;
    }

    Phase phase() {
        return phase;
    }

    // ---- from the app ----

    /** A frame of this stream from the app; the stream owns it from here. */
    void fromApp(Http2StreamFrame frame) {
        if (frame instanceof Http2HeadersFrame headers) {
            requestHeaders(headers);
        } else if (frame instanceof Http2DataFrame data) {
            requestData(data);
        } else {
            ReferenceCountUtil.release(frame);
        }
    }

    private void requestHeaders(Http2HeadersFrame headers) {
        boolean end = headers.isEndStream();
        boolean first = exchange == null;
        if (first) {
            startExchange(headers.headers(), !end);
        }
        if (end) {
            exchange.requestEnd();
        }
        forward(new DefaultHttp2HeadersFrame(headers.headers(), end), 0);
        answerIfRequestEnded(end);
        if (first && rules.passesEverything()) {
            passThrough(); // no rule could change anything: skip building the facts rules match on
        } else if (first) {
            RequestFacts head = RuleStep.head(exchange.method(), exchange.url(), headers.headers());
            if (end || !rules.needsBody(head)) {
                decide(head);
            } else {
                bodyForRules = rules.bodyFor(head);
            }
        } else if (end && phase == Phase.DECIDING) {
            decide(bodyForRules.request());
        }
    }

    private void requestData(Http2DataFrame data) {
        try {
            exchange.requestContent(data.content());
            if (data.isEndStream()) {
                exchange.requestEnd();
            }
            forward(new DefaultHttp2DataFrame(data.content().retain(), data.isEndStream(), data.padding()),
                    data.initialFlowControlledBytes());
            answerIfRequestEnded(data.isEndStream());
            if (phase == Phase.DECIDING && bodyForRules != null && bodyForRules.add(data.content(), data.isEndStream())) {
                decide(bodyForRules.request());
            }
        } finally {
            data.release();
        }
    }

    /** The app reset the stream: the server's stream is reset with the same code. */
    void appReset(long errorCode) {
        fail(new FlowError(FlowError.Kind.CLIENT_DISCONNECTED, connection.process.describe()
                + " reset the HTTP/2 stream for " + describeRequest() + " (" + Http2Error.valueOf(errorCode) + ")."));
        reset = true;
        resetServer(errorCode);
    }

    /** The app's stream closed (both ends done, reset, or the connection went). */
    void appClosed() {
        releaseHeld();
        if (faults != null) {
            faults.dropAll();
        }
        fail(new FlowError(FlowError.Kind.CLIENT_DISCONNECTED, connection.process.describe()
                + " closed the HTTP/2 stream before " + describeRequest() + " was complete."));
        resetServer(Http2Error.CANCEL.code());
    }

    private void resetServer(long errorCode) {
        if (server != null) {
            server.reset(errorCode);
        }
        if (routed != null) {
            routed.end();
        }
    }

    /**
     * Until the rules have decided, frames wait here; then they go upstream or are dropped.
     *
     * @param credit flow-controlled bytes to give back to the app once the frame is taken
     */
    private void forward(Http2StreamFrame frame, int credit) {
        switch (phase) {
            case DECIDING -> held.add(frame);
            case ANSWERING_LOCALLY -> {
                ReferenceCountUtil.release(frame);
                returnToApp(credit);
            }
            case ROUTED -> routed.fromApp(frame, credit);
            case RELAYING -> send(frame, credit);
        }
    }

    private void send(Http2StreamFrame frame, int credit) {
        server.send(frame, credit == 0 ? null : written -> {
            if (written.isSuccess()) {
                returnToApp(credit);
            }
        });
    }

    /** The app may send {@code bytes} more on this stream: the other side took them. */
    void returnToApp(int bytes) {
        if (bytes > 0 && appStream.state() != Http2Stream.State.CLOSED) {
            app.writeAndFlush(new DefaultHttp2WindowUpdateFrame(bytes).stream(appStream), app.voidPromise());
        }
    }

    private void answerIfRequestEnded(boolean end) {
        if (end && answerOnceRequestEnds != null) {
            RuleStep.Answer answer = answerOnceRequestEnds;
            answerOnceRequestEnds = null;
            answer(answer);
        }
    }

    private void passThrough() {
        phase = Phase.RELAYING;
        server = upstream.open(this);
        while (!held.isEmpty()) {
            Http2StreamFrame frame = held.poll();
            send(frame, frame instanceof Http2DataFrame data ? data.initialFlowControlledBytes() : 0);
        }
    }

    /** Applies the rule step's outcome: relay, route to an HTTP/1.1 server, answer locally, or reset. */
    private void decide(RequestFacts request) {
        RuleStep.Outcome outcome = rules.decide(request, exchange);
        faults = Http2StreamFaults.arm(app, outcome.fault(), this::resetApp);
        if (outcome instanceof RuleStep.Relay) {
            passThrough();
        } else if (outcome instanceof RuleStep.Route route) {
            phase = Phase.ROUTED;
            routed = new Http2RoutedFrames(this, exchange, route, dialer, app.pipeline(), app.name(), app.channel().eventLoop());
            while (!held.isEmpty()) {
                Http2StreamFrame frame = held.poll();
                routed.fromApp(frame, frame instanceof Http2DataFrame data ? data.initialFlowControlledBytes() : 0);
            }
        } else if (outcome instanceof RuleStep.Answer answer) {
            phase = Phase.ANSWERING_LOCALLY;
            releaseHeld();
            if (exchange.requestComplete()) {
                answer(answer);
            } else {
                answerOnceRequestEnds = answer; // like a server that reads the body first: the flow has it all
            }
        } else if (outcome instanceof RuleStep.Close close) {
            phase = Phase.ANSWERING_LOCALLY;
            releaseHeld();
            exchange.fail(close.error());
            resetApp(Http2Error.CANCEL.code());
        }
    }

    /** Answers the stream itself (a stub, the offline 502), after the answer's delay. */
    private void answer(RuleStep.Answer planned) {
        // h2 has no 101, so a request that a WebSocket answer matched is a plain request here
        RuleStep.Answer answer = planned.webSocket() == null ? planned
                : RuleStep.Answer.ofError(400, WebSocketAnswer.notAnUpgrade(exchange));
        answer.afterDelay(app.executor(), () -> {
            if (!appOpen() || exchange.isComplete()) {
                return;
            }
            Http2Headers headers = new DefaultHttp2Headers().status(String.valueOf(answer.status()));
            answer.headers().forEach(field -> headers.add(field.getKey().toLowerCase(Locale.ROOT), field.getValue()));
            byte[] bytes = answer.body();
            exchange.responseHead(answer.status(), "", "HTTP/2", headers);
            exchange.responseContent(Unpooled.wrappedBuffer(bytes));
            boolean trailers = !answer.trailers().isEmpty();
            if (answer.error() != null) {
                exchange.fail(answer.error());
            } else {
                exchange.responseEnd(trailers ? answer.trailers() : null);
            }
            toApp(new DefaultHttp2HeadersFrame(headers, bytes.length == 0 && !trailers));
            if (bytes.length > 0) {
                toApp(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(bytes), !trailers));
            }
            if (trailers) {
                Http2Headers trailing = new DefaultHttp2Headers();
                answer.trailers().forEach(field -> trailing.add(field.getKey().toLowerCase(Locale.ROOT), field.getValue()));
                toApp(new DefaultHttp2HeadersFrame(trailing, true));
            }
            app.flush();
        });
    }

    /**
     * The one way a response frame reaches the app (relayed, answered or routed); the caller flushes. A per-stream
     * fault (a delay, a cut) goes here.
     */
    ChannelFuture toApp(Http2StreamFrame frame) {
        frame.stream(appStream);
        return faults == null ? app.write(frame) : faults.write(frame);
    }

    boolean appOpen() {
        return app.channel().isActive() && appStream.state() != Http2Stream.State.CLOSED && !reset;
    }

    /** Resets the app's stream, once. */
    void resetApp(long errorCode) {
        if (!reset && appOpen()) {
            reset = true;
            app.writeAndFlush(new DefaultHttp2ResetFrame(errorCode).stream(appStream), app.voidPromise());
        }
    }

    /** Answers this stream with apptap's own 502 whose body is the sentence, and records it. */
    void answerLocally(FlowError error) {
        if (exchange != null && !exchange.isComplete()) {
            answer(RuleStep.Answer.ofError(502, error));
        }
    }

    private void fail(FlowError error) {
        if (exchange != null) {
            exchange.fail(error);
        }
    }

    private void releaseHeld() {
        while (!held.isEmpty()) {
            ReferenceCountUtil.release(held.poll());
        }
    }

    private void startExchange(Http2Headers headers, boolean bodyFollows) {
        exchange = new HttpExchange(connection, app.executor());
        String scheme = text(headers.scheme(), connection.isTls() ? "https" : "http");
        int defaultPort = connection.isTls() ? 443 : 80;
        String authority = HostHeaders.withPort(text(headers.authority(), Addresses.authority(connection.host,
                connection.port, defaultPort)), connection.port, defaultPort);
        exchange.requestHead(text(headers.method(), "GET"), scheme + "://" + authority + text(headers.path(), "/"),
                headers, bodyFollows);
    }

    String describeRequest() {
        return exchange == null ? "its request" : exchange.method() + " " + exchange.url();
    }

    private static String text(CharSequence value, String fallback) {
        return value == null || value.length() == 0 ? fallback : value.toString();
    }

    // ---- from the server ----

    @Override
    public void headers(Http2HeadersFrame frame) {
        Http2Headers headers = frame.headers();
        boolean end = frame.isEndStream();
        if (!responseHeadSeen) {
            int status = parseStatus(headers.status());
            if (status >= 100 && status < 200) {
                relay(new DefaultHttp2HeadersFrame(headers, false), 0);
                return;
            }
            responseHeadSeen = true;
            exchange.responseHead(status, "", "HTTP/2", headers);
            if (end) {
                exchange.responseEnd(null);
            }
        } else {
            exchange.responseEnd(headers);
        }
        relay(new DefaultHttp2HeadersFrame(headers, end), 0);
    }

    @Override
    public void data(Http2DataFrame data) {
        try {
            exchange.responseContent(data.content());
            if (data.isEndStream()) {
                exchange.responseEnd(null);
            }
            relay(new DefaultHttp2DataFrame(data.content().retain(), data.isEndStream(), data.padding()),
                    data.initialFlowControlledBytes());
        } finally {
            data.release();
        }
    }

    /** A response frame to the app; the server gets its credit back once the app's codec wrote it. */
    private void relay(Http2StreamFrame frame, int credit) {
        if (!appOpen()) {
            ReferenceCountUtil.release(frame);
            return;
        }
        ChannelFuture written = toApp(frame);
        if (credit > 0) {
            written.addListener((ChannelFutureListener) done -> {
                if (done.isSuccess()) {
                    server.consumed(credit);
                }
            });
        }
        app.flush();
    }

    @Override
    public void reset(long errorCode) {
        fail(new FlowError(FlowError.Kind.UPSTREAM_PROTOCOL, "The server for " + describeRequest()
                + " reset the HTTP/2 stream (" + Http2Error.valueOf(errorCode) + ")."));
        resetApp(errorCode);
    }

    @Override
    public void closed(Throwable cause) {
        if (exchange == null || exchange.isComplete()) {
            return;
        }
        if (!responseHeadSeen) {
            answerLocally(cause != null ? UpstreamFailures.describe(upstream.target(), cause)
                    : new FlowError(FlowError.Kind.UPSTREAM_PROTOCOL, "The server's HTTP/2 stream for "
                    + describeRequest() + " ended before the response was complete."));
        } else {
            fail(new FlowError(FlowError.Kind.UPSTREAM_PROTOCOL, "The server's HTTP/2 stream for "
                    + describeRequest() + " ended before the response was complete."));
            resetApp(Http2Error.CANCEL.code());
        }
    }

    /** What the server sent in this read shows in one snapshot (see {@link HttpExchange#publishPending()}). */
    @Override
    public void readComplete() {
        if (exchange != null) {
            exchange.publishPending();
        }
    }

    private static int parseStatus(CharSequence status) {
        try {
            return status == null ? 0 : Integer.parseInt(status.toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
