package dev.apptap.proxy.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2PushPromiseFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The upstream side of {@link Http2FrameRelay}: one HTTP/2 connection to the server that the app connection's streams
 * are relayed over as frames, without a channel per stream. Taken over from the handshake (where the server chose h2)
 * or opened on demand, and opened anew after the server sent GOAWAY, so later streams are not refused; streams the
 * GOAWAY cut off end like streams of a lost connection. Belongs to the app connection's event loop.
 */
final class Http2FrameUpstream {

    /** What a relayed stream hears from its server stream. */
    interface Responses {
        /** A HEADERS frame: the response head, an informational head, or trailers. */
        void headers(Http2HeadersFrame headers);

        /** A DATA frame; the owner releases it, and calls {@link ServerStream#consumed} once the app took its bytes. */
        void data(Http2DataFrame data);

        /** The server reset the stream. */
        void reset(long errorCode);

        /** The server stream closed (normally, by GOAWAY, or with the connection), or could not be opened. */
        void closed(Throwable cause);

        /** The end of a read from the server that carried frames of this stream. */
        void readComplete();
    }

    private final ConnectionContext connection;
    private final EventLoop loop;
    private final Dialer dialer;
    private final UpstreamTarget target;
    private final List<ServerConnection> connections = new ArrayList<>(1);
    /** The connection new streams go to; null until opened, and after its GOAWAY. */
    private ServerConnection current;

    /** @param dialer opens the connections to the server (the engine's connector; handler tests pass their own) */
    Http2FrameUpstream(ConnectionContext connection, EventLoop loop, Channel preconnected, Dialer dialer) {
        this.connection = connection;
        this.loop = loop;
        this.dialer = dialer;
        boolean tls = connection.isTls();
        this.target = new UpstreamTarget(connection.host, connection.port, connection.originalAddress, tls,
                tls ? List.of("h2") : List.of());
        if (preconnected != null) {
            ServerConnection taken = new ServerConnection();
            connections.add(taken);
            current = taken;
            HeldInbound.installAndRelease(preconnected, taken.handlers());
            preconnected.config().setAutoRead(true);
        }
    }

    UpstreamTarget target() {
        return target;
    }

    /** A stream to the server for {@code responses}; frames sent before the connection is up wait in it. */
    ServerStream open(Responses responses) {
        if (current == null || current.goneAway || current.channel != null && !current.channel.isActive()) {
            current = connect();
        }
        ServerStream stream = new ServerStream(current, responses);
        current.attach(stream);
        return stream;
    }

    private ServerConnection connect() {
        ServerConnection opening = new ServerConnection();
        connections.add(opening);
        dialer.connect(loop, target, opening::handlers).addListener((Future<Channel> done) -> {
            if (done.isSuccess()) {
                done.getNow().config().setAutoRead(true);
            } else {
                opening.failed(done.cause());
            }
        });
        return opening;
    }

    void close() {
        for (ServerConnection open : connections) {
            if (open.channel != null) {
                open.channel.close();
            }
        }
        connections.clear();
        current = null;
    }

    /** One stream of the app, on a server connection: frames go out in order once the connection is ready. */
    static final class ServerStream {
        private final ServerConnection owner;
        private final Responses responses;
        private ArrayDeque<Object> waiting = new ArrayDeque<>(4);
        private Http2FrameStream stream;
        private boolean ended;
        boolean touched;

        private ServerStream(ServerConnection owner, Responses responses) {
            this.owner = owner;
            this.responses = responses;
        }

        /** Writes {@code frame} to the server (after the earlier ones); {@code written} runs once it went out. */
        void send(Http2StreamFrame frame, ChannelFutureListener written) {
            if (ended) {
                ReferenceCountUtil.release(frame);
                return;
            }
            if (waiting != null) {
                waiting.add(frame);
                waiting.add(written == null ? NO_LISTENER : written);
                return;
            }
            owner.write(this, frame, written);
        }

        /** The app took {@code bytes} of the response: the server may send that much more on this stream. */
        void consumed(int bytes) {
            if (stream != null && bytes > 0 && !ended) {
                owner.channel.writeAndFlush(new DefaultHttp2WindowUpdateFrame(bytes).stream(stream), owner.channel.voidPromise());
            }
        }

        /** Resets the server stream (nothing goes out when it was never opened). */
        void reset(long errorCode) {
            if (ended) {
                return;
            }
            ended = true;
            dropWaiting();
            if (stream != null && owner.channel.isActive() && stream.state() != Http2Stream.State.CLOSED) {
                owner.channel.writeAndFlush(new DefaultHttp2ResetFrame(errorCode).stream(stream), owner.channel.voidPromise());
            }
        }

        private void dropWaiting() {
            if (waiting != null) {
                for (Object item : waiting) {
                    if (!(item instanceof ChannelFutureListener)) {
                        ReferenceCountUtil.release(item);
                    }
                }
                waiting = null;
            }
        }

        private void closed(Throwable cause) {
            if (!ended) {
                ended = true;
                dropWaiting();
                responses.closed(cause);
            }
        }

        private static final ChannelFutureListener NO_LISTENER = future -> { };
    }

    /** One connection to the server, and the end of its pipeline: frames in, to the stream they belong to. */
    private final class ServerConnection extends Http2ChannelDuplexHandler {
        private final IntObjectMap<ServerStream> streams = new IntObjectHashMap<>();
        private final List<ServerStream> pending = new ArrayList<>();
        private final List<ServerStream> touched = new ArrayList<>();
        private Channel channel;
        private boolean ready;
        private boolean goneAway;

        ChannelHandler[] handlers() {
            return new ChannelHandler[]{
                    Http2Relay.flushConsolidation(),
                    Http2FrameCodecBuilder.forClient().initialSettings(Http2Relay.settings(connection).pushEnabled(false))
                            .build(),
                    this};
        }

        void attach(ServerStream stream) {
            if (ready) {
                start(stream);
            } else {
                pending.add(stream);
            }
        }

        @Override
        protected void handlerAdded0(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            if (channel.isActive()) {
                startPending(); // taken over from the handshake
            }
        }

        /** A connection opened here is handed its handlers before it connects: streams open once it is up. */
        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            super.channelActive(ctx);
            startPending();
        }

        private void startPending() {
            ready = true;
            for (ServerStream stream : pending) {
                start(stream);
            }
            pending.clear();
        }

        private void start(ServerStream stream) {
            ArrayDeque<Object> waiting = stream.waiting;
            stream.waiting = null;
            if (stream.ended) {
                return;
            }
            if (goneAway || !channel.isActive()) {
                stream.waiting = waiting;
                stream.closed(new IllegalStateException("the server's HTTP/2 connection closed before the stream opened"));
                return;
            }
            stream.stream = newStream();
            while (waiting != null && !waiting.isEmpty()) {
                Http2StreamFrame frame = (Http2StreamFrame) waiting.poll();
                ChannelFutureListener written = (ChannelFutureListener) waiting.poll();
                write(stream, frame, written == ServerStream.NO_LISTENER ? null : written);
            }
            channel.flush();
        }

        void write(ServerStream stream, Http2StreamFrame frame, ChannelFutureListener written) {
            boolean opening = stream.stream.id() == -1;
            var future = channel.write(frame.stream(stream.stream));
            if (opening) {
                if (stream.stream.id() > 0) {
                    streams.put(stream.stream.id(), stream);
                }
                future.addListener((ChannelFutureListener) sent -> {
                    if (!sent.isSuccess()) {
                        streams.remove(stream.stream.id());
                        stream.closed(sent.cause());
                    }
                });
            }
            if (written != null) {
                future.addListener(written);
            }
            channel.flush();
        }

        void failed(Throwable cause) {
            goneAway = true;
            for (ServerStream stream : pending) {
                stream.closed(cause);
            }
            pending.clear();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2StreamFrame frame && frame.stream() != null && !(msg instanceof Http2PushPromiseFrame)) {
                ServerStream stream = streams.get(frame.stream().id());
                if (stream == null || stream.ended) {
                    if (msg instanceof Http2DataFrame data && frame.stream().state() != Http2Stream.State.CLOSED) {
                        ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(data.initialFlowControlledBytes()).stream(frame.stream()),
                                ctx.voidPromise());
                    }
                    ReferenceCountUtil.release(msg);
                    return;
                }
                if (!stream.touched) {
                    stream.touched = true;
                    touched.add(stream);
                }
                if (msg instanceof Http2HeadersFrame headers) {
                    stream.responses.headers(headers);
                } else if (msg instanceof Http2DataFrame data) {
                    stream.responses.data(data);
                } else if (msg instanceof Http2ResetFrame reset) {
                    stream.ended = true;
                    streams.remove(frame.stream().id());
                    stream.responses.reset(reset.errorCode());
                } else {
                    ReferenceCountUtil.release(msg);
                }
                return;
            }
            if (msg instanceof Http2GoAwayFrame) {
                // the connection takes no new streams; those above its last stream id close and end as lost
                goneAway = true;
                if (current == this) {
                    current = null;
                }
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            for (int i = 0; i < touched.size(); i++) {
                ServerStream stream = touched.get(i);
                stream.touched = false;
                stream.responses.readComplete();
            }
            touched.clear();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof Http2FrameStreamEvent change && change.type() == Http2FrameStreamEvent.Type.State
                    && change.stream().state() == Http2Stream.State.CLOSED) {
                ServerStream stream = streams.remove(change.stream().id());
                if (stream != null) {
                    stream.closed(null);
                }
                if (goneAway && streams.isEmpty()) {
                    ctx.close();
                }
                return;
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            goneAway = true;
            if (current == this) {
                current = null;
            }
            connections.remove(this);
            List<ServerStream> open = new ArrayList<>(streams.values());
            streams.clear();
            for (ServerStream stream : open) {
                stream.closed(null);
            }
            failed(new IllegalStateException("the server closed its HTTP/2 connection"));
            ctx.fireChannelInactive();
        }

        /** A stream error was answered with RST_STREAM by the codec, and the stream's close follows; anything else ends it. */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!(cause instanceof Http2FrameStreamException)) {
                ctx.close();
            }
        }
    }
}
