package dev.apptap.proxy.engine;

import static dev.apptap.proxy.rules.Actions.forwardTo;
import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.anyRequestTo;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static dev.apptap.proxy.rules.RequestMatcher.post;
import static dev.apptap.proxy.engine.EmbeddedUpstreams.written;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.rules.RuleSet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/1 relay on {@code EmbeddedChannel}s, bytes in and bytes out, with the rule step deciding: the app's side
 * is one channel (server codec and relay), and each upstream the relay dials is another (client codec and server
 * side), handed out by a {@link Dialer} the test owns. No socket is opened.
 */
class Http1RelayTest {

    private final FlowStore flows = new FlowStore();
    private final RuleSet rules = new RuleSet();
    private final EmbeddedUpstreams upstreams = new EmbeddedUpstreams();
    private final Http1Relay relay = new Http1Relay(EngineFuzzing.connection(EngineFuzzing.runtime(flows, rules)), false,
            upstreams);
    private final EmbeddedChannel app = new EmbeddedChannel(Pipelines.newServerCodec(ProxyEngine.builder().settings()), relay);

    @AfterEach
    void windDown() {
        EngineFuzzing.windDown(app);
        upstreams.close();
    }

    @Test
    void answersAStubbedRequestItselfWithoutDialingAnUpstream() {
        rules.on(get("http://api.example.test/v1/items")).respond(respond(200).withBody("[1]").withHeader("X-Stub", "yes"));

        app.writeInbound(bytes("GET /v1/items HTTP/1.1\r\nHost: api.example.test\r\n\r\n"));

        assertThat(written(app)).startsWith("HTTP/1.1 200 OK\r\n").contains("X-Stub: yes\r\n").endsWith("\r\n\r\n[1]");
        assertThat(upstreams.dialed()).isEmpty();
        assertThat(relay.phase()).isEqualTo(Http1Relay.Phase.AWAITING_HEAD);
        assertThat(onlyFlow().isStubbed()).isTrue();
    }

    @Test
    void sendsARoutedRequestToTheRouteTargetAndItsAnswerBackToTheApp() {
        rules.on(anyRequestTo("api.example.test")).forwardTo(forwardTo("127.0.0.1", 8089).withHostHeader("wiremock.test"));

        app.writeInbound(bytes("GET /v1/items?page=2 HTTP/1.1\r\nHost: api.example.test\r\n\r\n"));

        assertThat(upstreams.dialed()).singleElement().satisfies(target -> {
            assertThat(target.authority()).isEqualTo("127.0.0.1:8089");
            assertThat(target.tls()).isFalse();
        });
        assertThat(written(upstreams.get(0))).startsWith("GET /v1/items?page=2 HTTP/1.1\r\n")
                .containsIgnoringCase("Host: wiremock.test\r\n");
        assertThat(relay.phase()).isEqualTo(Http1Relay.Phase.AWAITING_RESPONSE);

        upstreams.get(0).writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nrouted"));

        assertThat(written(app)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nrouted");
        assertThat(relay.phase()).isEqualTo(Http1Relay.Phase.AWAITING_HEAD);
        HttpFlow flow = onlyFlow();
        assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.ROUTED);
        assertThat(flow.request().url()).isEqualTo("http://api.example.test:9/v1/items?page=2");
    }

    @Test
    void becomesAByteTunnelOnceTheServerSwitchesProtocols() {
        app.writeInbound(bytes("GET /chat HTTP/1.1\r\nHost: api.example.test\r\nUpgrade: example/1\r\n"
                + "Connection: Upgrade\r\n\r\n"));
        assertThat(written(upstreams.get(0))).startsWith("GET /chat HTTP/1.1\r\n");

        upstreams.get(0).writeInbound(bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: example/1\r\n"
                + "Connection: Upgrade\r\n\r\n"));

        assertThat(written(app)).startsWith("HTTP/1.1 101 Switching Protocols\r\n");
        assertThat(relay.phase()).isEqualTo(Http1Relay.Phase.UPGRADED);

        app.writeInbound(bytes("GET is not a request any more"));
        upstreams.get(0).writeInbound(bytes("HTTP/1.1 nor is this a response"));

        assertThat(written(upstreams.get(0))).isEqualTo("GET is not a request any more");
        assertThat(written(app)).isEqualTo("HTTP/1.1 nor is this a response");
    }

    @Test
    void holdsTheRequestUntilARuleThatReadsTheBodyHasSeenIt() {
        rules.on(post("http://api.example.test/login").withBodyContaining("ann")).respond(respond(201));
        rules.offline(true);

        app.writeInbound(bytes("POST /login HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 8\r\n\r\nuser="));

        assertThat(relay.phase()).isEqualTo(Http1Relay.Phase.DECIDING);
        assertThat(written(app)).isEmpty();

        app.writeInbound(bytes("ann"));

        assertThat(written(app)).startsWith("HTTP/1.1 201 Created\r\n");
        assertThat(upstreams.dialed()).isEmpty();
        assertThat(onlyFlow().request().body().text()).isEqualTo("user=ann");
    }

    @Test
    void readsTheWholeBodyBeforeAStubAnswersAndSaysContinueFirst() {
        rules.on(post("http://api.example.test/upload")).respond(respond(204));

        app.writeInbound(bytes("POST /upload HTTP/1.1\r\nHost: api.example.test\r\nExpect: 100-continue\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n"));

        assertThat(written(app)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
        assertThat(relay.phase()).isEqualTo(Http1Relay.Phase.READING_BODY_FOR_ANSWER);

        app.writeInbound(bytes("5\r\nhello\r\n0\r\n\r\n"));

        assertThat(written(app)).startsWith("HTTP/1.1 204 No Content\r\n");
        assertThat(onlyFlow().request().body().text()).isEqualTo("hello");
    }

    @Test
    void answersPipelinedRequestsInTheOrderAsked() {
        rules.on(get("http://api.example.test/first")).respond(respond(200).withBody("one"));
        rules.on(get("http://api.example.test/second")).respond(respond(200).withBody("two"));

        app.writeInbound(bytes("GET /first HTTP/1.1\r\nHost: api.example.test\r\n\r\n"
                + "GET /second HTTP/1.1\r\nHost: api.example.test\r\n\r\n"));

        String answers = written(app);
        assertThat(answers.indexOf("one")).isPositive().isLessThan(answers.indexOf("two"));
    }

    @Test
    void answersOfflineWith502NamingTheRequestAndDialsNothing() {
        rules.offline(true);

        app.writeInbound(bytes("GET /v1/unstubbed HTTP/1.1\r\nHost: api.example.test\r\n\r\n"));

        assertThat(written(app)).startsWith("HTTP/1.1 502 Bad Gateway\r\n")
                .contains("apptap is offline and no stub matched GET http://api.example.test:9/v1/unstubbed");
        assertThat(upstreams.dialed()).isEmpty();
        assertThat(onlyFlow().error().orElseThrow().kind()).isEqualTo(FlowError.Kind.NO_STUB_MATCHED);
    }

    @Test
    void closesTheAppsConnectionWhenARuleSaysSo() {
        rules.on(get("http://api.example.test/flaky")).close();

        app.writeInbound(bytes("GET /flaky HTTP/1.1\r\nHost: api.example.test\r\n\r\n"));

        assertThat(app.isOpen()).isFalse();
        assertThat(relay.phase()).isEqualTo(Http1Relay.Phase.CLOSED);
        assertThat(onlyFlow().error().orElseThrow().message())
                .contains("closed the connection of").contains("instead of answering GET http://api.example.test:9/flaky");
    }

    private HttpFlow onlyFlow() {
        assertThat(flows.flows()).hasSize(1);
        return (HttpFlow) flows.flows().get(0);
    }

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }
}
