package dev.apptap.proxy.engine;

import static dev.apptap.proxy.rules.Actions.forwardTo;
import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.anyRequestTo;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static dev.apptap.proxy.engine.EmbeddedUpstreams.written;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.rules.RuleSet;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One app stream of the h2 relay on an {@code EmbeddedChannel}, frames in and frames out, with the rule step
 * deciding. Routed streams dial an HTTP/1.1 upstream through a {@link Dialer} the test owns, which hands out another
 * EmbeddedChannel; no socket is opened.
 */
class Http2StreamRelayTest {

    private final FlowStore flows = new FlowStore();
    private final RuleSet rules = new RuleSet();
    private final EmbeddedUpstreams upstreams = new EmbeddedUpstreams();
    private final EmbeddedChannel stream = new EmbeddedChannel();
    private final Http2StreamRelay relay;

    Http2StreamRelayTest() {
        ConnectionContext connection = EngineFuzzing.connection(EngineFuzzing.runtime(flows, rules));
        relay = new Http2StreamRelay(connection, new Http2Upstream(connection, stream.eventLoop(), null), upstreams);
        stream.pipeline().addLast(relay);
    }

    @AfterEach
    void windDown() {
        EngineFuzzing.windDown(stream);
        upstreams.close();
    }

    @Test
    void answersAStubbedStreamWithAHeadersAndADataFrame() {
        rules.on(get("http://api.example.test/v1/items")).respond(respond(200).withBody("[1]").withHeader("X-Stub", "yes"));

        stream.writeInbound(new DefaultHttp2HeadersFrame(request("GET", "/v1/items"), true));

        Http2HeadersFrame head = stream.readOutbound();
        assertThat(head.headers().status()).hasToString("200");
        assertThat(head.headers().get("x-stub")).hasToString("yes");
        assertThat(head.isEndStream()).isFalse();
        assertThat(text(stream.readOutbound())).isEqualTo("[1]");
        assertThat(relay.phase()).isEqualTo(Http2StreamRelay.Phase.ANSWERING_LOCALLY);
        assertThat(upstreams.dialed()).isEmpty();
        assertThat(onlyFlow().isStubbed()).isTrue();
    }

    @Test
    void routesAStreamToAnHttp11ServerAndItsAnswerBackAsFrames() {
        rules.on(anyRequestTo("api.example.test")).forwardTo(forwardTo("127.0.0.1", 8089));

        stream.writeInbound(new DefaultHttp2HeadersFrame(request("POST", "/v1/orders"), false));
        stream.writeInbound(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("{\"n\":1}", StandardCharsets.UTF_8), true));

        assertThat(relay.phase()).isEqualTo(Http2StreamRelay.Phase.ROUTED);
        assertThat(stream.pipeline().get(Http2RoutedStream.class)).isNotNull();
        assertThat(upstreams.dialed()).singleElement().satisfies(target -> assertThat(target.authority()).isEqualTo("127.0.0.1:8089"));
        String sent = written(upstreams.get(0));
        assertThat(sent).startsWith("POST /v1/orders HTTP/1.1\r\n").containsIgnoringCase("host: api.example.test\r\n")
                .endsWith("{\"n\":1}\r\n0\r\n\r\n").doesNotContainIgnoringCase("x-http2");

        upstreams.get(0).writeInbound(Unpooled.copiedBuffer("HTTP/1.1 201 Created\r\nContent-Length: 6\r\n"
                + "Connection: keep-alive\r\n\r\nrouted", StandardCharsets.ISO_8859_1));

        Http2HeadersFrame head = stream.readOutbound();
        assertThat(head.headers().status()).hasToString("201");
        assertThat(head.headers().contains("connection")).isFalse();
        assertThat(text(stream.readOutbound())).isEqualTo("routed");
        HttpFlow flow = onlyFlow();
        assertThat(flow.handling().kind()).isEqualTo(HttpFlow.Handling.Kind.ROUTED);
        assertThat(flow.request().body().text()).isEqualTo("{\"n\":1}");
        assertThat(flow.response().orElseThrow().body().text()).isEqualTo("routed");
    }

    @Test
    void answersARoutedStreamWith502WhenTheRouteTargetCannotBeReached() {
        ConnectionContext connection = EngineFuzzing.connection(EngineFuzzing.runtime(flows, rules));
        EmbeddedChannel unreachable = new EmbeddedChannel();
        unreachable.pipeline().addLast(new Http2StreamRelay(connection, new Http2Upstream(connection, unreachable.eventLoop(), null),
                (loop, target, handlers) -> loop.newFailedFuture(new ConnectException("Connection refused"))));
        rules.on(anyRequestTo("api.example.test")).forwardTo(forwardTo("127.0.0.1", 8089));

        unreachable.writeInbound(new DefaultHttp2HeadersFrame(request("GET", "/v1/items"), true));

        Http2HeadersFrame head = unreachable.readOutbound();
        assertThat(head.headers().status()).hasToString("502");
        assertThat(text(unreachable.readOutbound())).contains("127.0.0.1:8089");
        EngineFuzzing.windDown(unreachable);
    }

    @Test
    void resetsTheStreamWhenARuleClosesIt() {
        rules.on(get("http://api.example.test/flaky")).close();

        stream.writeInbound(new DefaultHttp2HeadersFrame(request("GET", "/flaky"), true));

        Http2ResetFrame reset = stream.readOutbound();
        assertThat(reset.errorCode()).isEqualTo(Http2Error.CANCEL.code());
        assertThat(onlyFlow().error().orElseThrow().message()).contains("reset the HTTP/2 stream of");
    }

    @Test
    void answersOfflineWith502NamingTheRequest() {
        rules.offline(true);

        stream.writeInbound(new DefaultHttp2HeadersFrame(request("GET", "/v1/unstubbed"), true));

        Http2HeadersFrame head = stream.readOutbound();
        assertThat(head.headers().status()).hasToString("502");
        assertThat(text(stream.readOutbound())).startsWith("apptap is offline and no stub matched GET http://api.example.test:9/v1/unstubbed");
        assertThat(onlyFlow().error().orElseThrow().kind()).isEqualTo(FlowError.Kind.NO_STUB_MATCHED);
    }

    private static Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers().method(method).path(path).scheme("http").authority("api.example.test");
    }

    private HttpFlow onlyFlow() {
        assertThat(flows.flows()).hasSize(1);
        return (HttpFlow) flows.flows().get(0);
    }

    private static String text(Object frame) {
        Http2DataFrame data = (Http2DataFrame) frame;
        try {
            return data.content().toString(StandardCharsets.UTF_8);
        } finally {
            data.release();
        }
    }
}
