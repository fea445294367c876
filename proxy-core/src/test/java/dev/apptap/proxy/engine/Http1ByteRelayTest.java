package dev.apptap.proxy.engine;

import static dev.apptap.proxy.engine.EmbeddedUpstreams.written;
import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.WebSocketMessage;
import dev.apptap.proxy.rules.RuleSet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The byte relay on {@code EmbeddedChannel}s: what the app sends must reach the upstream byte for byte and the
 * server's answer the app likewise, however the bytes are split, while the flows record the parsed messages.
 */
class Http1ByteRelayTest {

    private final FlowStore flows = new FlowStore();
    private final RuleSet rules = new RuleSet();
    private EmbeddedUpstreams upstreams = new EmbeddedUpstreams();
    private Http1ByteRelay relay;
    private EmbeddedChannel app;

    @AfterEach
    void windDown() {
        if (app != null) {
            EngineFuzzing.windDown(app);
        }
        upstreams.close();
    }

    private void connect() {
        if (app != null) {
            EngineFuzzing.windDown(app);
            upstreams.close();
            upstreams = new EmbeddedUpstreams();
        }
        flows.clear();
        ConnectionContext connection = EngineFuzzing.connection(EngineFuzzing.runtime(flows, rules));
        connection.host = "api.example.test"; // as the redirector's name lookup tells it, so one upstream serves all
        relay = new Http1ByteRelay(connection, upstreams);
        app = new EmbeddedChannel(relay);
    }

    @Test
    void forwardsTheRequestAndResponseBytesUnchangedAndRecordsTheExchange() {
        connect();
        String request = "GET /v1/items?page=2 HTTP/1.1\r\nHost: api.example.test\r\nX-Odd-Case:  spaced \r\n\r\n";
        String response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";

        app.writeInbound(bytes(request));
        assertThat(written(upstreams.get(0))).isEqualTo(request);
        upstreams.get(0).writeInbound(bytes(response));

        assertThat(written(app)).isEqualTo(response);
        assertThat(relay.phase()).isEqualTo(Http1ByteRelay.Phase.AWAITING_HEAD);
        HttpFlow flow = onlyFlow();
        assertThat(flow.request().url()).isEqualTo("http://api.example.test:9/v1/items?page=2");
        assertThat(flow.request().headers().first("x-odd-case")).contains("spaced");
        assertThat(flow.response().orElseThrow().status()).isEqualTo(200);
        assertThat(flow.response().orElseThrow().body().text()).isEqualTo("hello");
        assertThat(flow.isComplete()).isTrue();
    }

    @Test
    void relaysPipelinedRequestsInOrderWhereverTheBytesAreSplit() {
        String first = "POST /a HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 4\r\n\r\nbody";
        String second = "GET /b HTTP/1.1\r\nHost: api.example.test\r\n\r\n";
        byte[] both = (first + second).getBytes(StandardCharsets.ISO_8859_1);
        for (int split = 0; split <= both.length; split++) {
            connect();
            app.writeInbound(Unpooled.wrappedBuffer(both, 0, split));
            app.writeInbound(Unpooled.wrappedBuffer(both, split, both.length - split));

            assertThat(written(upstreams.get(0))).as("split at %d", split).isEqualTo(first);
            upstreams.get(0).writeInbound(bytes("HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\n1"));
            assertThat(written(upstreams.get(0))).as("split at %d", split).isEqualTo(second);
            upstreams.get(0).writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2"));

            assertThat(written(app)).as("split at %d", split).isEqualTo(
                    "HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\n1HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
            assertThat(flows.flows()).as("split at %d", split).hasSize(2);
            HttpFlow post = (HttpFlow) flows.flows().get(0);
            assertThat(post.request().body().text()).isEqualTo("body");
            assertThat(((HttpFlow) flows.flows().get(1)).request().path()).isEqualTo("/b");
            assertThat(upstreams.dialed()).hasSize(1);
        }
    }

    @Test
    void recordsChunkedBodiesAndTrailersWhereverTheBytesAreSplit() {
        String request = "PUT /up HTTP/1.1\r\nHost: api.example.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: grpc-status\r\n\r\n"
                + "4\r\nwxyz\r\n1\r\n!\r\n0\r\ngrpc-status: 0\r\nX-Done: yes\r\n\r\n";
        byte[] in = request.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = response.getBytes(StandardCharsets.ISO_8859_1);
        for (int split = 0; split <= Math.max(in.length, out.length); split++) {
            connect();
            int inSplit = Math.min(split, in.length);
            app.writeInbound(Unpooled.wrappedBuffer(in, 0, inSplit));
            app.writeInbound(Unpooled.wrappedBuffer(in, inSplit, in.length - inSplit));
            int outSplit = Math.min(split, out.length);
            upstreams.get(0).writeInbound(Unpooled.wrappedBuffer(out, 0, outSplit));
            upstreams.get(0).writeInbound(Unpooled.wrappedBuffer(out, outSplit, out.length - outSplit));

            assertThat(written(upstreams.get(0))).as("split at %d", split).isEqualTo(request);
            assertThat(written(app)).as("split at %d", split).isEqualTo(response);
            HttpFlow flow = onlyFlow();
            assertThat(flow.request().body().text()).isEqualTo("abcde");
            assertThat(flow.response().orElseThrow().body().text()).isEqualTo("wxyz!");
            assertThat(flow.response().orElseThrow().trailers().first("grpc-status")).contains("0");
            assertThat(flow.response().orElseThrow().trailers().first("x-done")).contains("yes");
            assertThat(flow.isComplete()).isTrue();
            assertThat(relay.phase()).isEqualTo(Http1ByteRelay.Phase.AWAITING_HEAD);
        }
    }

    @Test
    void passesTheServersContinueOnAndTheBodyAfterIt() {
        connect();
        app.writeInbound(bytes("POST /upload HTTP/1.1\r\nHost: api.example.test\r\nExpect: 100-continue\r\n"
                + "Content-Length: 5\r\n\r\n"));
        assertThat(written(upstreams.get(0))).contains("Expect: 100-continue");

        upstreams.get(0).writeInbound(bytes("HTTP/1.1 100 Continue\r\n\r\n"));
        assertThat(written(app)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
        assertThat(flows.flows()).singleElement().satisfies(flow -> assertThat(((HttpFlow) flow).response()).isEmpty());

        app.writeInbound(bytes("hello"));
        assertThat(written(upstreams.get(0))).isEqualTo("hello");
        upstreams.get(0).writeInbound(bytes("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"));

        assertThat(written(app)).isEqualTo("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        HttpFlow flow = onlyFlow();
        assertThat(flow.request().body().text()).isEqualTo("hello");
        assertThat(flow.response().orElseThrow().status()).isEqualTo(201);
    }

    @Test
    void expectsNoBodyAfterHeadOr204Or304() {
        connect();
        for (String[] exchange : List.of(
                new String[]{"HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"},
                new String[]{"GET", "HTTP/1.1 204 No Content\r\n\r\n"},
                new String[]{"GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 20\r\n\r\n"})) {
            app.writeInbound(bytes(exchange[0] + " / HTTP/1.1\r\nHost: api.example.test\r\n\r\n"));
            written(upstreams.get(0));
            upstreams.get(0).writeInbound(bytes(exchange[1]));
            assertThat(written(app)).isEqualTo(exchange[1]);
            assertThat(relay.phase()).isEqualTo(Http1ByteRelay.Phase.AWAITING_HEAD);
        }
        assertThat(flows.flows()).hasSize(3).allSatisfy(flow -> assertThat(flow.isComplete()).isTrue());
    }

    @Test
    void becomesAByteTunnelAfter101AndRecordsWebSocketMessages() {
        connect();
        app.writeInbound(bytes("GET /chat HTTP/1.1\r\nHost: api.example.test\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        written(upstreams.get(0));
        // the server's first frame comes in the same read as its 101: unmasked text "hi"
        upstreams.get(0).writeInbound(bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\n\r\n\u0081\u0002hi"));

        assertThat(written(app)).startsWith("HTTP/1.1 101 Switching Protocols\r\n").endsWith("\r\n\r\n\u0081\u0002hi");
        assertThat(relay.phase()).isEqualTo(Http1ByteRelay.Phase.UPGRADED);

        // masked text "yo" from the app, mask 0
        app.writeInbound(bytes("\u0081\u0082\u0000\u0000\u0000\u0000yo"));
        assertThat(written(upstreams.get(0))).isEqualTo("\u0081\u0082\u0000\u0000\u0000\u0000yo");
        assertThat(onlyFlow().webSocket()).extracting(WebSocketMessage::text).containsExactly("hi", "yo");
    }

    @Test
    void endsAResponseWithoutLengthWhenTheServerClosesAndClosesTheApp() {
        connect();
        app.writeInbound(bytes("GET /old HTTP/1.1\r\nHost: api.example.test\r\n\r\n"));
        written(upstreams.get(0));
        upstreams.get(0).writeInbound(bytes("HTTP/1.0 200 OK\r\n\r\nuntil "), bytes("the end"));
        upstreams.get(0).close();
        upstreams.get(0).runPendingTasks();
        app.runPendingTasks();

        assertThat(written(app)).isEqualTo("HTTP/1.0 200 OK\r\n\r\nuntil the end");
        HttpFlow flow = onlyFlow();
        assertThat(flow.error()).isEmpty();
        assertThat(flow.response().orElseThrow().body().text()).isEqualTo("until the end");
        assertThat(app.isOpen()).isFalse();
    }

    @Test
    void closesAfterTheResponseWhenTheAppSaidConnectionClose() {
        connect();
        app.writeInbound(bytes("GET / HTTP/1.1\r\nHost: api.example.test\r\nConnection: close\r\n\r\n"));
        written(upstreams.get(0));
        upstreams.get(0).writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));

        assertThat(written(app)).endsWith("ok");
        assertThat(app.isOpen()).isFalse();
        assertThat(onlyFlow().isComplete()).isTrue();
    }

    @Test
    void handsTheConnectionToTheCodecRelayWhenRulesMayAnswer() {
        rules.on(get("http://api.example.test/stubbed")).respond(respond(200).withBody("stub"));
        connect();

        app.writeInbound(bytes("GET /stubbed HTTP/1.1\r\nHost: api.example.test\r\n\r\n"));

        assertThat(written(app)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("stub");
        assertThat(app.pipeline().get(Http1Relay.class)).isNotNull();
        assertThat(app.pipeline().get(Http1ByteRelay.class)).isNull();
        assertThat(onlyFlow().isStubbed()).isTrue();
    }

    @Test
    void answersAMalformedRequestThroughTheCodecRelay() {
        connect();

        app.writeInbound(bytes("GET /a b c\r\nHost: api.example.test\r\n\r\n"));

        assertThat(written(app)).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("malformed HTTP request");
        assertThat(upstreams.dialed()).isEmpty();
        assertThat(onlyFlow().error().orElseThrow().kind()).isEqualTo(FlowError.Kind.MALFORMED_REQUEST);
    }

    @Test
    void failsTheFlowWhenTheServerAnswersWithSomethingThatIsNotHttp() {
        connect();
        app.writeInbound(bytes("GET / HTTP/1.1\r\nHost: api.example.test\r\n\r\n"));
        written(upstreams.get(0));

        upstreams.get(0).writeInbound(bytes("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
        app.runPendingTasks();

        assertThat(onlyFlow().error().orElseThrow().message()).contains("not valid HTTP")
                .contains("http://api.example.test:9/");
        assertThat(app.isOpen()).isFalse();
    }

    private HttpFlow onlyFlow() {
        assertThat(flows.flows()).hasSize(1);
        return (HttpFlow) flows.flows().get(0);
    }

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }
}
