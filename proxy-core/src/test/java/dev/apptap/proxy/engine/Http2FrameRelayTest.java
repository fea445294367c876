package dev.apptap.proxy.engine;

import static dev.apptap.proxy.engine.EmbeddedUpstreams.written;
import static dev.apptap.proxy.rules.Actions.forwardTo;
import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.anyRequestTo;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.testing.CountingAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The frame-level h2 relay on EmbeddedChannels with Netty's real codecs on all four ends: a test app (client codec)
 * talks to the engine's app connection ({@link Http2Relay} with the frame relay switched on), whose server
 * connections are EmbeddedChannels that a test server (server codec) answers. Bytes are pumped between the pairs until
 * nothing moves, so flow control, resets and GOAWAY behave as on sockets.
 */
class Http2FrameRelayTest {

    private final FlowStore flows = new FlowStore();
    private final RuleSet rules = new RuleSet();
    private final CountingAllocator alloc = new CountingAllocator();
    private final EmbeddedUpstreams upstreams = new EmbeddedUpstreams();
    private final EmbeddedChannel engine = EngineFuzzing.appConnection(alloc);
    private final Peer app = new Peer(false);
    private final List<Peer> servers = new ArrayList<>();
    private final Map<EmbeddedChannel, Peer> serverOf = new HashMap<>();
    /** Whether routes' HTTP/1.1 servers refuse connections. */
    private boolean routesRefused;

    Http2FrameRelayTest() {
        EngineRuntime runtime = EmbeddedConnections.runtime(ProxyEngine.builder().flows(flows).rules(rules));
        ConnectionContext connection = EngineFuzzing.connection(runtime);
        Dialer dialer = (loop, target, handlers) -> routesRefused && isRoute(target)
                ? loop.newFailedFuture(new ConnectException("Connection refused"))
                : upstreams.connect(loop, target, handlers);
        engine.pipeline().addLast(Http2Relay.NAME, new Http2Relay(connection, dialer));
        pump();
    }

    /** Routes in these tests go to port 8089; the app's own server is the connection's destination. */
    private static boolean isRoute(UpstreamTarget target) {
        return target.port() == ROUTE_PORT;
    }

    private static final int ROUTE_PORT = 8089;

    @AfterEach
    void windDown() {
        app.channel.finishAndReleaseAll();
        servers.forEach(server -> server.channel.finishAndReleaseAll());
        EngineFuzzing.windDown(engine);
        upstreams.close();
        alloc.assertAllReleased("the frame relay test");
    }

    @Test
    void relaysEachStreamToItsOwnServerStreamAndRecordsEach() {
        Http2FrameStream first = app.request("GET", "/a", true);
        Http2FrameStream second = app.request("GET", "/b", true);
        pump();
        Peer server = servers.get(0);
        List<Http2FrameStream> serverStreams = server.streams();
        assertThat(serverStreams).hasSize(2);
        assertThat(server.headers(serverStreams.get(1)).path()).hasToString("/b");

        server.respond(serverStreams.get(1), "200", "bee", true);
        server.respond(serverStreams.get(0), "201", "ay", true);
        pump();

        assertThat(app.status(second)).isEqualTo("200");
        assertThat(app.body(second)).isEqualTo("bee");
        assertThat(app.status(first)).isEqualTo("201");
        assertThat(app.body(first)).isEqualTo("ay");
        assertThat(upstreams.dialed()).hasSize(1);
        assertThat(flows.flows()).hasSize(2).allSatisfy(flow -> assertThat(flow.isComplete()).isTrue());
        assertThat(flow("/b").response().orElseThrow().body().text()).isEqualTo("bee");
    }

    @Test
    void givesTheServerCreditOnlyAsFastAsASlowAppTakesTheResponse() {
        Http2FrameStream stream = app.request("GET", "/big", true);
        pump();
        Peer server = servers.get(0);
        Http2FrameStream serverStream = server.streams().get(0);
        server.channel.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200"), false).stream(serverStream));
        List<ChannelFuture> chunks = new ArrayList<>();
        for (int i = 0; i < 48; i++) { // 3 MiB, three times what the engine lets a server stream send unasked
            chunks.add(server.channel.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[65_536]), i == 47)
                    .stream(serverStream)));
        }
        server.channel.flush();
        pump();

        long sent = chunks.stream().filter(ChannelFuture::isDone).count() * 65_536;
        assertThat(app.received(stream)).as("the app's default window").isLessThanOrEqualTo(65_535);
        assertThat(sent).as("what the server could send while the app read nothing").isLessThanOrEqualTo((1 << 20) + 65_536);

        for (int round = 0; round < 200 && !chunks.get(47).isDone(); round++) {
            app.take(stream);
            pump();
        }
        assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.isSuccess()).isTrue());
        assertThat(flow("/big").response().orElseThrow().body().size()).isEqualTo(48 * 65_536);
    }

    @Test
    void relaysTheServersTrailersAndRecordsThem() {
        Http2FrameStream stream = app.request("POST", "/grpc.Service/Call", false);
        app.channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("ping", StandardCharsets.UTF_8), true)
                .stream(stream));
        pump();
        Peer server = servers.get(0);
        Http2FrameStream serverStream = server.streams().get(0);
        assertThat(server.body(serverStream)).isEqualTo("ping");

        server.respond(serverStream, "200", "pong", false);
        server.channel.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().add("grpc-status", "0"), true)
                .stream(serverStream));
        pump();

        assertThat(app.body(stream)).isEqualTo("pong");
        Http2HeadersFrame trailers = app.lastHeaders(stream);
        assertThat(trailers.isEndStream()).isTrue();
        assertThat(trailers.headers().get("grpc-status")).hasToString("0");
        assertThat(flow("/grpc.Service/Call").response().orElseThrow().trailers().first("grpc-status")).contains("0");
    }

    @Test
    void resetsTheServerStreamWithTheAppsCode() {
        Http2FrameStream stream = app.request("POST", "/upload", false);
        pump();
        app.channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(stream));
        pump();

        Peer server = servers.get(0);
        assertThat(server.reset(server.streams().get(0))).isEqualTo(Http2Error.CANCEL.code());
        assertThat(flow("/upload").error().orElseThrow().kind()).isEqualTo(FlowError.Kind.CLIENT_DISCONNECTED);
    }

    @Test
    void resetsTheAppStreamWithTheServersCode() {
        Http2FrameStream stream = app.request("GET", "/refused", true);
        pump();
        Peer server = servers.get(0);
        server.channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM).stream(server.streams().get(0)));
        pump();

        assertThat(app.reset(stream)).isEqualTo(Http2Error.REFUSED_STREAM.code());
        assertThat(flow("/refused").error().orElseThrow().message()).contains("reset the HTTP/2 stream (REFUSED_STREAM)");
    }

    @Test
    void finishesStreamsBelowTheServersGoAwayAndOpensANewConnectionForLaterOnes() {
        Http2FrameStream kept = app.request("GET", "/kept", true);
        Http2FrameStream cut = app.request("GET", "/cut", true);
        pump();
        Peer server = servers.get(0);
        List<Http2FrameStream> serverStreams = server.streams();
        Http2FrameCodec codec = server.channel.pipeline().get(Http2FrameCodec.class);
        codec.goAway(server.channel.pipeline().context(codec), serverStreams.get(0).id(), Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER,
                server.channel.newPromise());
        server.channel.flush();
        server.respond(serverStreams.get(0), "200", "kept", true);
        pump();

        assertThat(app.body(kept)).isEqualTo("kept");
        assertThat(app.status(cut)).as("a stream the GOAWAY cut off").isEqualTo("502");
        assertThat(flow("/cut").error()).isPresent();

        Http2FrameStream later = app.request("GET", "/later", true);
        pump();
        assertThat(upstreams.dialed()).hasSize(2);
        Peer second = servers.get(1);
        second.respond(second.streams().get(0), "200", "later", true);
        pump();
        assertThat(app.body(later)).isEqualTo("later");
    }

    @Test
    void finishesStreamsInFlightAfterTheAppsGoAway() {
        Http2FrameStream stream = app.request("GET", "/last", true);
        pump();
        app.channel.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
        pump();
        Peer server = servers.get(0);
        server.respond(server.streams().get(0), "200", "done", true);
        pump();

        assertThat(app.body(stream)).isEqualTo("done");
        assertThat(flow("/last").isComplete()).isTrue();
        assertThat(flow("/last").error()).isEmpty();
    }

    @Test
    void answersAStubbedStreamWithoutOpeningAServerConnection() {
        rules.on(get("http://api.example.test/v1/items")).respond(respond(200).withBody("[1]")
                .withTrailer("grpc-status", "0"));

        Http2FrameStream stream = app.request("GET", "/v1/items", true);
        pump();

        assertThat(app.body(stream)).isEqualTo("[1]");
        assertThat(app.lastHeaders(stream).headers().get("grpc-status")).hasToString("0");
        assertThat(upstreams.dialed()).isEmpty();
        assertThat(flow("/v1/items").isStubbed()).isTrue();
    }

    @Test
    void routesAStreamToAnHttp11ServerAndItsAnswerBackAsFrames() {
        rules.on(anyRequestTo("api.example.test")).forwardTo(forwardTo("127.0.0.1", ROUTE_PORT));

        Http2FrameStream stream = app.request("POST", "/v1/orders", false);
        app.channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("{\"n\":1}", StandardCharsets.UTF_8), true)
                .stream(stream));
        pump();

        assertThat(upstreams.dialed()).singleElement().satisfies(target -> assertThat(target.authority()).isEqualTo("127.0.0.1:8089"));
        assertThat(engine.pipeline().get(Http2FrameRelay.class).stream(stream.id()).phase())
                .isEqualTo(Http2RelayedStream.Phase.ROUTED);
        String sent = written(upstreams.get(0));
        assertThat(sent).startsWith("POST /v1/orders HTTP/1.1\r\n").containsIgnoringCase("host: api.example.test\r\n")
                .endsWith("{\"n\":1}\r\n0\r\n\r\n").doesNotContainIgnoringCase("x-http2");

        upstreams.get(0).writeInbound(Unpooled.copiedBuffer("HTTP/1.1 201 Created\r\nContent-Length: 6\r\n"
                + "Connection: keep-alive\r\n\r\nrouted", StandardCharsets.ISO_8859_1));
        pump();

        assertThat(app.status(stream)).isEqualTo("201");
        assertThat(app.headers(stream).contains("connection")).isFalse();
        assertThat(app.body(stream)).isEqualTo("routed");
        HttpFlow flow = flow("/v1/orders");
        assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.ROUTED);
        assertThat(flow.request().body().text()).isEqualTo("{\"n\":1}");
        assertThat(flow.response().orElseThrow().body().text()).isEqualTo("routed");
    }

    @Test
    void answersARoutedStreamWith502WhenTheRouteTargetCannotBeReached() {
        routesRefused = true;
        rules.on(anyRequestTo("api.example.test")).forwardTo(forwardTo("127.0.0.1", ROUTE_PORT));

        Http2FrameStream stream = app.request("GET", "/v1/items", true);
        pump();

        assertThat(app.status(stream)).isEqualTo("502");
        assertThat(app.body(stream)).contains("127.0.0.1:8089");
    }

    @Test
    void resetsTheStreamWhenARuleClosesIt() {
        rules.on(get("http://api.example.test/flaky")).close();

        Http2FrameStream stream = app.request("GET", "/flaky", true);
        pump();

        assertThat(app.reset(stream)).isEqualTo(Http2Error.CANCEL.code());
        assertThat(flow("/flaky").error().orElseThrow().message()).contains("reset the HTTP/2 stream of");
    }

    @Test
    void answersOfflineWith502NamingTheRequest() {
        rules.offline(true);

        Http2FrameStream stream = app.request("GET", "/v1/unstubbed", true);
        pump();

        assertThat(app.status(stream)).isEqualTo("502");
        assertThat(app.body(stream)).startsWith("apptap is offline and no stub matched GET http://api.example.test:9/v1/unstubbed");
        assertThat(flow("/v1/unstubbed").error().orElseThrow().kind()).isEqualTo(FlowError.Kind.NO_STUB_MATCHED);
    }

    private HttpFlow flow(String path) {
        return flows.flows().stream().map(HttpFlow.class::cast).filter(f -> f.request().path().equals(path))
                .findFirst().orElseThrow();
    }

    /** Moves bytes between the app and the engine, and the engine and its servers, until nothing moves. */
    private void pump() {
        for (boolean moved = true; moved; ) {
            moved = move(app.channel, engine) | move(engine, app.channel);
            for (int i = 0; i < upstreams.dialed().size(); i++) {
                if (isRoute(upstreams.dialed().get(i))) {
                    continue; // an HTTP/1.1 server the test reads and answers itself
                }
                EmbeddedChannel upstream = upstreams.get(i);
                Peer server = serverOf.computeIfAbsent(upstream, dialed -> {
                    Peer peer = new Peer(true);
                    servers.add(peer);
                    return peer;
                });
                moved |= move(upstream, server.channel) | move(server.channel, upstream);
            }
        }
    }

    private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        from.runPendingTasks();
        boolean moved = false;
        for (Object out; (out = from.readOutbound()) != null; ) {
            if (to.isOpen()) {
                to.writeInbound(out);
                moved = true;
            } else {
                ReferenceCountUtil.release(out);
            }
        }
        if (moved) {
            to.runPendingTasks();
        }
        return moved;
    }

    /** A test app (client codec) or a test server (server codec) that keeps every frame it reads, by stream. */
    private static final class Peer extends Http2ChannelDuplexHandler {
        final EmbeddedChannel channel;
        private final Map<Http2FrameStream, List<Http2StreamFrame>> frames = new LinkedHashMap<>();

        Peer(boolean server) {
            channel = new EmbeddedChannel();
            channel.pipeline().addLast((server ? Http2FrameCodecBuilder.forServer() : Http2FrameCodecBuilder.forClient())
                    .build(), this);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2StreamFrame frame && frame.stream() != null) {
                frames.computeIfAbsent(frame.stream(), key -> new ArrayList<>()).add(frame);
                if (msg instanceof Http2DataFrame data) {
                    // keep the text, give the buffer back: the test reads bodies as text
                    received.merge(frame.stream(), data.content().toString(StandardCharsets.ISO_8859_1), String::concat);
                    pendingCredit.merge(frame.stream(), data.initialFlowControlledBytes(), Integer::sum);
                    data.release();
                }
                return;
            }
            ReferenceCountUtil.release(msg);
        }

        private final Map<Http2FrameStream, String> received = new LinkedHashMap<>();
        private final Map<Http2FrameStream, Integer> pendingCredit = new LinkedHashMap<>();

        Http2FrameStream request(String method, String path, boolean end) {
            Http2FrameStream stream = newStream();
            Http2Headers headers = new DefaultHttp2Headers().method(method).path(path).scheme("http")
                    .authority("api.example.test");
            channel.writeAndFlush(new DefaultHttp2HeadersFrame(headers, end).stream(stream));
            return stream;
        }

        void respond(Http2FrameStream stream, String status, String body, boolean end) {
            channel.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(status), false).stream(stream));
            channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer(body, StandardCharsets.UTF_8), end)
                    .stream(stream));
        }

        /** Gives back the credit for everything received on {@code stream}, as an app that read it would. */
        void take(Http2FrameStream stream) {
            Integer credit = pendingCredit.remove(stream);
            if (credit != null && credit > 0) {
                channel.writeAndFlush(new DefaultHttp2WindowUpdateFrame(credit).stream(stream));
            }
        }

        List<Http2FrameStream> streams() {
            return new ArrayList<>(frames.keySet());
        }

        Http2Headers headers(Http2FrameStream stream) {
            return frames.get(stream).stream().filter(Http2HeadersFrame.class::isInstance).map(Http2HeadersFrame.class::cast)
                    .findFirst().orElseThrow().headers();
        }

        Http2HeadersFrame lastHeaders(Http2FrameStream stream) {
            List<Http2HeadersFrame> all = frames.get(stream).stream().filter(Http2HeadersFrame.class::isInstance)
                    .map(Http2HeadersFrame.class::cast).toList();
            return all.get(all.size() - 1);
        }

        String status(Http2FrameStream stream) {
            return headers(stream).status().toString();
        }

        String body(Http2FrameStream stream) {
            take(stream);
            return received.getOrDefault(stream, "");
        }

        long received(Http2FrameStream stream) {
            return received.getOrDefault(stream, "").length();
        }

        long reset(Http2FrameStream stream) {
            return frames.getOrDefault(stream, List.of()).stream().filter(Http2ResetFrame.class::isInstance)
                    .map(Http2ResetFrame.class::cast).findFirst().orElseThrow().errorCode();
        }
    }
}
