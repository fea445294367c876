package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import dev.apptap.proxy.rules.RequestFacts;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * Relays one HTTP/2 stream between the app and the upstream, frame by frame (headers, data, trailers,
 * resets), recording it as one flow. Each side's stream is read again only once its last frame was written
 * to the other side, so flow-control credit goes back to a sender exactly as fast as the receiver takes data.
 */
final class Http2StreamRelay extends ChannelInboundHandlerAdapter {

    /** What the stream is doing with the app's request. */
    enum Phase {
        /** Holding the request's frames until the rules have decided. */
        DECIDING,
        /** Relaying the stream to the upstream's HTTP/2 connection. */
        RELAYING,
        /** apptap answers (or resets) the stream itself; the request's frames are dropped. */
        ANSWERING_LOCALLY,
        /** A route took the stream over ({@link Http2RoutedStream}); this handler has left the pipeline. */
        ROUTED
    }

    private final ConnectionContext connection;
    private final Http2Upstream upstream;
    private final Dialer dialer;
    private final RuleStep rules;
    private final ArrayDeque<Http2StreamFrame> awaitingUpstream = new ArrayDeque<>();
    private final ArrayDeque<Http2StreamFrame> held = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.DECIDING;
    private HttpExchange exchange;
    private Channel upstreamStream;
    private boolean opening;
    /** While deciding on a rule that looks at the body: the body so far. */
    private RuleStep.BodyForRules bodyForRules;
    /** In {@link Phase#ANSWERING_LOCALLY}: what to answer once the request body is in. */
    private RuleStep.Answer answerOnceRequestEnds;

    Http2StreamRelay(ConnectionContext connection, Http2Upstream upstream) {
        this(connection, upstream, connection.runtime.connector());
    }

    /** @param dialer opens the HTTP/1.1 connections of routed streams (handler tests pass their own) */
    Http2StreamRelay(ConnectionContext connection, Http2Upstream upstream, Dialer dialer) {
        this.connection = connection;
        this.upstream = upstream;
        this.dialer = dialer;
        this.rules = new RuleStep(connection, RuleStep.RESETS_STREAM);
    }

    Phase phase() {
        return phase;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame headers) {
            boolean end = headers.isEndStream();
            boolean first = exchange == null;
            if (first) {
                startExchange(headers.headers(), !end);
            }
            if (end) {
                exchange.requestEnd();
            }
            forward(new DefaultHttp2HeadersFrame(headers.headers(), end));
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
        } else if (msg instanceof Http2DataFrame data) {
            if (exchange != null) {
                exchange.requestContent(data.content());
                if (data.isEndStream()) {
                    exchange.requestEnd();
                }
            }
            forward(new DefaultHttp2DataFrame(data.content().retain(), data.isEndStream(), data.padding()));
            answerIfRequestEnded(data.isEndStream());
            if (phase == Phase.DECIDING && bodyForRules != null && bodyForRules.add(data.content(), data.isEndStream())) {
                decide(bodyForRules.request());
            }
            data.release();
        } else if (msg instanceof Http2ResetFrame reset) {
            failAndReset(null, new FlowError(FlowError.Kind.CLIENT_DISCONNECTED, connection.process.describe()
                    + " reset the HTTP/2 stream for " + describeRequest() + " (" + Http2Error.valueOf(reset.errorCode())
                    + ")."), reset.errorCode());
        } else {
            ReferenceCountUtil.release(msg);
            ctx.read();
        }
    }

    /** Until the rules have decided, frames wait here; then they go upstream or are dropped. */
    private void forward(Http2StreamFrame frame) {
        if (phase == Phase.DECIDING) {
            held.add(frame);
            ctx.read();
            return;
        }
        if (phase == Phase.ANSWERING_LOCALLY) {
            ReferenceCountUtil.release(frame);
            ctx.read();
            return;
        }
        send(frame);
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
        while (!held.isEmpty()) {
            send(held.poll());
        }
        if (upstreamStream == null && !opening) {
            openUpstream();
        }
    }

    /** Applies the rule step's outcome: relay, route to an HTTP/1.1 server, answer locally, or reset. */
    private void decide(RequestFacts request) {
        RuleStep.Outcome outcome = rules.decide(request, exchange);
        Http2StreamFaults.arm(ctx, outcome.fault());
        if (outcome instanceof RuleStep.Relay) {
            passThrough();
        } else if (outcome instanceof RuleStep.Route route) {
            phase = Phase.ROUTED;
            Http2RoutedStream.takeOver(ctx, connection, exchange, route, held, dialer);
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
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
        }
    }

    /** Answers the stream itself (a stub, the offline 502), after the answer's delay. */
    private void answer(RuleStep.Answer planned) {
        // h2 has no 101, so a request that a WebSocket answer matched is a plain request here
        RuleStep.Answer answer = planned.webSocket() == null ? planned
                : RuleStep.Answer.ofError(400, WebSocketAnswer.notAnUpgrade(exchange));
        answer.afterDelay(ctx.executor(), () -> {
            if (!ctx.channel().isActive() || exchange.isComplete()) {
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
            ctx.write(new DefaultHttp2HeadersFrame(headers, bytes.length == 0 && !trailers));
            if (bytes.length > 0) {
                ctx.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(bytes), !trailers));
            }
            if (trailers) {
                Http2Headers trailing = new DefaultHttp2Headers();
                answer.trailers().forEach(field -> trailing.add(field.getKey().toLowerCase(Locale.ROOT), field.getValue()));
                ctx.write(new DefaultHttp2HeadersFrame(trailing, true));
            }
            ctx.flush();
        });
    }

    private void releaseHeld() {
        while (!held.isEmpty()) {
            ReferenceCountUtil.release(held.poll());
        }
    }

    private void startExchange(Http2Headers headers, boolean bodyFollows) {
        exchange = new HttpExchange(connection, ctx.executor());
        String scheme = text(headers.scheme(), connection.isTls() ? "https" : "http");
        int defaultPort = connection.isTls() ? 443 : 80;
        String authority = HostHeaders.withPort(text(headers.authority(), Addresses.authority(connection.host,
                connection.port, defaultPort)), connection.port, defaultPort);
        exchange.requestHead(text(headers.method(), "GET"), scheme + "://" + authority + text(headers.path(), "/"),
                headers, bodyFollows);
    }

    private void openUpstream() {
        opening = true;
        upstream.openStream(new ServerSide()).addListener((Future<Http2StreamChannel> opened) -> {
            opening = false;
            if (!opened.isSuccess()) {
                releaseAwaiting();
                answerLocally(UpstreamFailures.describe(upstream.target(), opened.cause()));
                return;
            }
            upstreamStream = opened.getNow();
            if (!ctx.channel().isActive()) {
                upstreamStream.close();
                return;
            }
            while (!awaitingUpstream.isEmpty()) {
                writeUpstream(awaitingUpstream.poll());
            }
            upstreamStream.flush();
            upstreamStream.read();
        });
    }

    private void send(Http2StreamFrame frame) {
        if (upstreamStream == null) {
            awaitingUpstream.add(frame);
            return;
        }
        writeUpstream(frame);
        upstreamStream.flush();
    }

    private void writeUpstream(Http2StreamFrame frame) {
        upstreamStream.write(frame).addListener((ChannelFutureListener) written -> {
            if (written.isSuccess()) {
                ctx.read();
            }
        });
    }

    /** Answers this stream with apptap's own 502 whose body is the sentence, and records it. */
    private void answerLocally(FlowError error) {
        if (exchange != null) {
            answer(RuleStep.Answer.ofError(502, error));
        }
    }

    private void failAndReset(Channel toReset, FlowError error, long code) {
        if (exchange != null) {
            exchange.fail(error);
        }
        Channel other = toReset != null ? toReset : upstreamStream;
        if (other != null && other.isActive()) {
            other.writeAndFlush(new DefaultHttp2ResetFrame(code));
        }
    }

    /** Netty passes RST_STREAM as a user event: resets are not flow-controlled and must not wait for a read. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof Http2ResetFrame reset) {
            failAndReset(null, new FlowError(FlowError.Kind.CLIENT_DISCONNECTED, connection.process.describe()
                    + " reset the HTTP/2 stream for " + describeRequest() + " (" + Http2Error.valueOf(reset.errorCode())
                    + ")."), reset.errorCode());
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseAwaiting();
        releaseHeld();
        if (exchange != null && !exchange.isComplete()) {
            exchange.fail(new FlowError(FlowError.Kind.CLIENT_DISCONNECTED, connection.process.describe()
                    + " closed the HTTP/2 stream before " + describeRequest() + " was complete."));
        }
        if (upstreamStream != null) {
            upstreamStream.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void releaseAwaiting() {
        while (!awaitingUpstream.isEmpty()) {
            ReferenceCountUtil.release(awaitingUpstream.poll());
        }
    }

    private String describeRequest() {
        return exchange == null ? "its request" : exchange.method() + " " + exchange.url();
    }

    private static String text(CharSequence value, String fallback) {
        return value == null || value.length() == 0 ? fallback : value.toString();
    }

    /** The upstream's side of the stream: the response, passed on to the app as it comes. */
    private final class ServerSide extends ChannelInboundHandlerAdapter {

        private boolean headersSeen;

        @Override
        public void channelRead(ChannelHandlerContext upstreamCtx, Object msg) {
            if (exchange == null) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof Http2HeadersFrame headers) {
                boolean end = headers.isEndStream();
                if (!headersSeen) {
                    int status = parseStatus(headers.headers().status());
                    if (status >= 100 && status < 200) {
                        relay(upstreamCtx, new DefaultHttp2HeadersFrame(headers.headers(), false));
                        return;
                    }
                    headersSeen = true;
                    exchange.responseHead(status, "", "HTTP/2", headers.headers());
                    if (end) {
                        exchange.responseEnd(null);
                    }
                } else {
                    exchange.responseEnd(headers.headers());
                }
                relay(upstreamCtx, new DefaultHttp2HeadersFrame(headers.headers(), end));
            } else if (msg instanceof Http2DataFrame data) {
                exchange.responseContent(data.content());
                if (data.isEndStream()) {
                    exchange.responseEnd(null);
                }
                relay(upstreamCtx, new DefaultHttp2DataFrame(data.content().retain(), data.isEndStream(), data.padding()));
                data.release();
            } else if (msg instanceof Http2ResetFrame reset) {
                FlowError error = new FlowError(FlowError.Kind.UPSTREAM_PROTOCOL, "The server for " + describeRequest()
                        + " reset the HTTP/2 stream (" + Http2Error.valueOf(reset.errorCode()) + ").");
                failAndReset(ctx.channel(), error, reset.errorCode());
            } else {
                ReferenceCountUtil.release(msg);
                upstreamCtx.read();
            }
        }

        /** What the server sent in this read shows in one snapshot (see {@link HttpExchange#publishPending()}). */
        @Override
        public void channelReadComplete(ChannelHandlerContext upstreamCtx) {
            if (exchange != null) {
                exchange.publishPending();
            }
            upstreamCtx.fireChannelReadComplete();
        }

        private void relay(ChannelHandlerContext upstreamCtx, Http2StreamFrame frame) {
            ctx.writeAndFlush(frame).addListener((ChannelFutureListener) written -> {
                if (written.isSuccess()) {
                    upstreamCtx.read();
                }
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext upstreamCtx, Object event) throws Exception {
            if (event instanceof Http2ResetFrame reset && exchange != null) {
                FlowError error = new FlowError(FlowError.Kind.UPSTREAM_PROTOCOL, "The server for " + describeRequest()
                        + " reset the HTTP/2 stream (" + Http2Error.valueOf(reset.errorCode()) + ").");
                failAndReset(ctx.channel(), error, reset.errorCode());
                return;
            }
            super.userEventTriggered(upstreamCtx, event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext upstreamCtx) {
            if (exchange != null && !exchange.isComplete()) {
                FlowError error = new FlowError(FlowError.Kind.UPSTREAM_PROTOCOL, "The server's HTTP/2 stream for "
                        + describeRequest() + " ended before the response was complete.");
                if (!exchange.responseStarted()) {
                    answerLocally(error);
                } else {
                    failAndReset(ctx.channel(), error, Http2Error.CANCEL.code());
                }
            }
            upstreamCtx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext upstreamCtx, Throwable cause) {
            upstreamCtx.close();
        }

        private int parseStatus(CharSequence status) {
            try {
                return status == null ? 0 : Integer.parseInt(status.toString());
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }
}
