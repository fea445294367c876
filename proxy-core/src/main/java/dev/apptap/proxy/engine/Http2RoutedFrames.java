package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.PromiseNotifier;
import java.util.ArrayDeque;

/**
 * An app's HTTP/2 stream that a route sends to an HTTP/1.1 server (a local WireMock, a test server), in the
 * frame-level relay: the stream's frames become an HTTP/1.1 request for an {@link Http1Upstream}, and the server's
 * response becomes frames again. {@link Http1ServerSide} writes the response to a context of its own in the app
 * connection's pipeline, in front of which a converter turns it into this stream's frames; both leave the pipeline
 * when the stream is done.
 */
final class Http2RoutedFrames implements Http1Downstream, Http1Upstream.Events {

    private final Http2RelayedStream stream;
    private final HttpExchange exchange;
    private final RuleStep.Route route;
    private final Http1Upstream upstream;
    private final ChannelPipeline pipeline;
    private final ResponseToFrames converter = new ResponseToFrames();
    private final ChannelDuplexHandler anchor = new ChannelDuplexHandler();
    private final ChannelHandlerContext appContext;
    /** Flow-control credit of each message sent upstream, returned to the app as each is written. */
    private final ArrayDeque<Integer> credits = new ArrayDeque<>();
    private boolean requestSent;

    Http2RoutedFrames(Http2RelayedStream stream, HttpExchange exchange,
                      RuleStep.Route route, Dialer dialer, ChannelPipeline pipeline, String before, EventLoop loop) {
        this.stream = stream;
        this.exchange = exchange;
        this.route = route;
        this.pipeline = pipeline;
        pipeline.addBefore(before, null, converter);
        pipeline.addBefore(before, null, anchor);
        this.appContext = pipeline.context(anchor);
        this.upstream = new Http1Upstream(dialer, loop, this, this);
    }

    /** A frame of the app's request (recorded already), and the credit to give back once it went upstream. */
    void fromApp(Http2StreamFrame frame, int credit) {
        if (exchange.isComplete() && requestSent) {
            ReferenceCountUtil.release(frame);
            stream.returnToApp(credit);
            return;
        }
        if (frame instanceof Http2HeadersFrame headers && !requestSent) {
            requestSent = true;
            HttpRequest request = request(headers.headers(), !headers.isEndStream());
            upstream.open(route.target(), null);
            send(request, 0);
            if (headers.isEndStream()) {
                send(new DefaultLastHttpContent(), 0);
            }
        } else if (frame instanceof Http2HeadersFrame trailers) {
            LastHttpContent last = new DefaultLastHttpContent();
            try {
                HttpConversionUtil.addHttp2ToHttpHeaders(-1, trailers.headers(), last.trailingHeaders(),
                        HttpVersion.HTTP_1_1, true, false);
            } catch (Http2Exception e) {
                // trailers the codec accepted but HTTP/1.1 cannot carry are left out
            }
            send(last, 0);
        } else if (frame instanceof Http2DataFrame data) {
            ByteBuf content = data.content();
            send(data.isEndStream() ? new DefaultLastHttpContent(content) : new DefaultHttpContent(content), credit);
        } else {
            ReferenceCountUtil.release(frame);
        }
    }

    private void send(HttpContent content, int credit) {
        credits.add(credit);
        upstream.send(content);
    }

    private void send(HttpRequest request, int credit) {
        credits.add(credit);
        upstream.send(request);
    }

    /** The app's request as an HTTP/1.1 server expects it: no h2 bookkeeping fields, the route's Host. */
    private HttpRequest request(Http2Headers headers, boolean bodyFollows) {
        HttpRequest request;
        try {
            request = HttpConversionUtil.toHttpRequest(-1, headers, false);
        } catch (Http2Exception e) {
            throw new IllegalStateException("apptap could not turn the HTTP/2 request " + stream.describeRequest()
                    + " into HTTP/1.1 for the route to " + route.target().authority() + ": " + e.getMessage(), e);
        }
        for (HttpConversionUtil.ExtensionHeaderNames extension : HttpConversionUtil.ExtensionHeaderNames.values()) {
            request.headers().remove(extension.text());
        }
        if (bodyFollows && !HttpUtil.isContentLengthSet(request)) {
            request.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        route.hostHeader().ifPresent(host -> request.headers().set(HttpHeaderNames.HOST, host));
        return request;
    }

    /** The stream is done or the app's side of it is gone: so is the routed connection. */
    void end() {
        upstream.close();
        leave();
    }

    private void leave() {
        upstream.releaseWaiting();
        if (converter.ctx != null && !converter.ctx.isRemoved()) {
            pipeline.remove(converter);
            pipeline.remove(anchor);
        }
    }

    // ---- from the HTTP/1.1 upstream ----

    @Override
    public void upstreamWritten() {
        Integer credit = credits.poll();
        if (credit != null) {
            stream.returnToApp(credit);
        }
    }

    @Override
    public void upstreamWriteFailed(UpstreamTarget target, Throwable cause) {
        if (!exchange.isComplete()) {
            exchange.fail(UpstreamFailures.describe(target, cause));
            stream.resetApp(Http2Error.CANCEL.code());
        }
        end();
    }

    @Override
    public void upstreamConnectFailed(UpstreamTarget target, Throwable cause) {
        stream.answerLocally(UpstreamFailures.describe(target, cause));
        leave();
    }

    @Override
    public boolean appGone() {
        return !stream.appOpen();
    }

    @Override
    public HttpExchange exchange() {
        return exchange;
    }

    @Override
    public ChannelHandlerContext appContext() {
        return appContext;
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
        appContext.flush();
        written.addListener(done -> end());
    }

    /** HTTP/2 has no upgrades; a server that switches protocols anyway cannot be relayed. */
    @Override
    public void switchToRawRelay() {
        exchange.fail(new FlowError(FlowError.Kind.UPSTREAM_PROTOCOL, "The server at " + route.target().authority()
                + " switched protocols for " + stream.describeRequest() + ", which an HTTP/2 stream cannot carry."));
        stream.resetApp(Http2Error.CANCEL.code());
        end();
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
                + stream.describeRequest() + ".");
        if (exchange.responseStarted()) {
            exchange.fail(error);
            stream.resetApp(Http2Error.CANCEL.code());
        } else {
            stream.answerLocally(error);
        }
        leave();
    }

    /**
     * Turns the HTTP/1.1 response that {@link Http1ServerSide} writes into this stream's frames; its close resets the
     * stream instead of closing the app's connection.
     */
    private final class ResponseToFrames extends ChannelOutboundHandlerAdapter {
        private ChannelHandlerContext ctx;
        private boolean interim;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof Http2StreamFrame || !(msg instanceof HttpResponse || msg instanceof HttpContent)) {
                ctx.write(msg, promise); // another stream's frames, on their way to the codec
                return;
            }
            ChannelFuture last = null;
            if (msg instanceof HttpResponse response) {
                int code = response.status().code();
                interim = code >= 100 && code < 200 && code != HttpResponseStatus.SWITCHING_PROTOCOLS.code();
                Http2Headers headers = HttpConversionUtil.toHttp2Headers(response, false);
                boolean end = msg instanceof LastHttpContent content && !content.content().isReadable()
                        && content.trailingHeaders().isEmpty() && !interim;
                last = stream.toApp(new DefaultHttp2HeadersFrame(headers, end));
                if (end) {
                    ReferenceCountUtil.release(msg);
                    PromiseNotifier.cascade(last, promise);
                    return;
                }
            }
            if (msg instanceof HttpContent content) {
                if (interim) {
                    interim = !(msg instanceof LastHttpContent);
                    content.release();
                } else if (msg instanceof LastHttpContent lastContent && !lastContent.trailingHeaders().isEmpty()) {
                    if (content.content().isReadable()) {
                        stream.toApp(new DefaultHttp2DataFrame(content.content(), false));
                    } else {
                        content.release();
                    }
                    Http2Headers trailers = new DefaultHttp2Headers();
                    HttpConversionUtil.toHttp2Headers(lastContent.trailingHeaders(), trailers);
                    last = stream.toApp(new DefaultHttp2HeadersFrame(trailers, true));
                } else {
                    last = stream.toApp(new DefaultHttp2DataFrame(content.content(), msg instanceof LastHttpContent));
                }
            }
            if (last == null) {
                promise.setSuccess();
            } else {
                PromiseNotifier.cascade(last, promise);
            }
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            stream.resetApp(Http2Error.CANCEL.code());
            promise.setSuccess();
        }
    }

}
