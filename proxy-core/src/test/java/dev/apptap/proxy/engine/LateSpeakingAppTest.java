package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.TcpFlow;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sniffer's silence is not final: on {@code EmbeddedChannel}s (the app's connection, and a stand-in for the
 * upstream connection the server-first probe watches), whichever side acts first after {@code serverFirstWait}
 * decides what the connection is, and the relay that follows takes the upstream connection over.
 */
class LateSpeakingAppTest {

    private final FlowStore flows = new FlowStore();
    private ConnectionContext connection;
    private EmbeddedChannel app;
    private EmbeddedChannel upstream;

    @BeforeEach
    void connect() {
        connection = EmbeddedConnections.connection(flows, ConnectionContext.Entry.TRANSPARENT);
        connection.destination(new InetSocketAddress("127.0.0.1", 18080));
        app = new EmbeddedChannel();
        app.config().setAutoRead(false);
        app.pipeline().addLast(ProtocolSniffer.NAME, new ProtocolSniffer(connection, false));
    }

    @AfterEach
    void close() {
        app.finishAndReleaseAll();
        if (upstream != null) {
            upstream.finishAndReleaseAll();
        }
    }

    @Test
    void sniffsAnHttpRequestThatArrivesAfterTheSilenceAndRelaysItOverTheProbedConnection() {
        silencePassesWithTheUpstreamConnected();

        app.writeInbound(ascii("GET /late HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));

        assertThat(app.pipeline().get(Pipelines.HTTP_RELAY)).as("the HTTP relay took the connection").isNotNull();
        assertThat(app.pipeline().get(TcpRelay.NAME)).isNull();
        assertThat(outbound(upstream)).as("the request went over the probed connection")
                .startsWith("GET /late HTTP/1.1\r\n");
        upstream.writeInbound(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"));
        assertThat(outbound(app)).startsWith("HTTP/1.1 200 OK").endsWith("hi");
        HttpFlow flow = (HttpFlow) only();
        assertThat(flow.request().url()).as("the URL carries the port the app connected to")
                .isEqualTo("http://127.0.0.1:18080/late");
        assertThat(flow.response().orElseThrow().status()).isEqualTo(200);
    }

    @Test
    void relaysAsTcpWhenTheServerSpeaksFirstAfterTheSilence() {
        silencePassesWithTheUpstreamConnected();

        upstream.writeInbound(ascii("220 smtp.example.test ready\r\n"));

        assertThat(app.pipeline().get(TcpRelay.NAME)).isNotNull();
        assertThat(outbound(app)).as("the banner reached the app").isEqualTo("220 smtp.example.test ready\r\n");
        app.writeInbound(ascii("EHLO app\r\n"));
        assertThat(outbound(upstream)).isEqualTo("EHLO app\r\n");
        TcpFlow flow = (TcpFlow) only();
        assertThat(flow.fromServer().text()).isEqualTo("220 smtp.example.test ready\r\n");
        assertThat(flow.fromClient().text()).isEqualTo("EHLO app\r\n");
    }

    @Test
    void passesTheCloseOfAServerThatHangsUpDuringTheSilenceToTheApp() {
        silencePassesWithTheUpstreamConnected();

        upstream.close();
        app.runPendingTasks();

        assertThat(app.isActive()).as("the app sees the server's hang-up").isFalse();
        assertThat(only()).isInstanceOf(TcpFlow.class).satisfies(f -> assertThat(f.isComplete()).isTrue());
    }

    @Test
    void keepsSniffingWhenTheServerSpeaksAfterTheAppsFirstBytes() {
        silencePassesWithTheUpstreamConnected();

        app.writeInbound(ascii("GET /sl"));
        upstream.writeInbound(ascii("early bytes from the server\r\n"));
        assertThat(app.pipeline().get(ProtocolSniffer.NAME)).as("the app spoke first, so it decides").isNotNull();
        app.writeInbound(ascii("ow HTTP/1.1\r\nHost: 127.0.0.1:18080\r\n\r\n"));

        assertThat(((HttpFlow) only()).request().url()).isEqualTo("http://127.0.0.1:18080/slow");
    }

    @Test
    void keepsWaitingForTheAppWhenTheServerOnlySentItsHttp2Settings() {
        silencePassesWithTheUpstreamConnected();

        upstream.writeInbound(Unpooled.wrappedBuffer(HTTP2_SERVER_PREFACE));
        assertThat(app.pipeline().get(ProtocolSniffer.NAME)).as("an h2c server waiting for its client").isNotNull();
        upstream.writeInbound(ascii("and then a banner\r\n"));

        assertThat(app.pipeline().get(TcpRelay.NAME)).as("more than SETTINGS: the server spoke first").isNotNull();
        assertThat(outbound(app)).endsWith("and then a banner\r\n");
    }

    @Test
    void recognisesAnHttp2ServerPrefaceByItsFrames() {
        assertThat(isPreface(Unpooled.wrappedBuffer(HTTP2_SERVER_PREFACE))).isTrue();
        assertThat(isPreface(Unpooled.wrappedBuffer(HTTP2_SERVER_PREFACE, 0, 4))).as("a SETTINGS header arriving").isTrue();
        assertThat(isPreface(ascii("220 ready\r\n"))).isFalse();
        assertThat(isPreface(ascii("OK"))).as("a short text banner").isFalse();
        assertThat(isPreface(Unpooled.wrappedBuffer(new byte[]{0, 0, 4, 1, 4, 0, 0, 0, 1, 1, 2, 3, 4})))
                .as("HEADERS on a stream").isFalse();
    }

    private static boolean isPreface(ByteBuf received) {
        try {
            return ServerFirstProbe.isHttp2ServerPreface(List.of(received));
        } finally {
            received.release();
        }
    }

    /** SETTINGS (MAX_CONCURRENT_STREAMS 100) and a WINDOW_UPDATE, as nghttpd sends on connect. */
    private static final byte[] HTTP2_SERVER_PREFACE = {
            0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100,
            0, 0, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0x7f, (byte) 0xff};

    @Test
    void relaysAFirstLineThatNeverEndsAsTcpAfterAnotherWait() {
        connection.runtime.settings().rules().offline(true); // no upstream: the relay records why
        app.advanceTimeBy(1, TimeUnit.SECONDS);
        app.runScheduledPendingTasks();

        app.writeInbound(ascii("PING"));
        assertThat(app.pipeline().get(ProtocolSniffer.NAME)).isNotNull();
        app.advanceTimeBy(1, TimeUnit.SECONDS);
        app.runScheduledPendingTasks();

        assertThat(app.pipeline().get(ProtocolSniffer.NAME)).isNull();
        TcpFlow flow = (TcpFlow) only();
        assertThat(flow.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.NO_STUB_MATCHED);
    }

    @Test
    void waitsForTheAppWithoutConnectingWhileOffline() {
        connection.runtime.settings().rules().offline(true);
        app.advanceTimeBy(1, TimeUnit.SECONDS);
        app.runScheduledPendingTasks();

        assertThat(connection.connectingInAdvance()).as("nothing may leave the machine").isNull();
        assertThat(app.pipeline().get(ProtocolSniffer.NAME)).isNotNull();
        app.writeInbound(ascii("GET /offline HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));

        assertThat(outbound(app)).startsWith("HTTP/1.1 502");
        HttpFlow flow = (HttpFlow) only();
        assertThat(flow.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.NO_STUB_MATCHED);
    }

    @Test
    void recordsAnAppThatHangsUpSilentlyAfterTheWaitAsTcpAndClosesTheProbe() {
        silencePassesWithTheUpstreamConnected();

        app.close();

        TcpFlow flow = (TcpFlow) only();
        assertThat(flow.isComplete()).isTrue();
        assertThat(flow.fromClient().size()).isZero();
        upstream.runPendingTasks();
        assertThat(upstream.isActive()).as("the probed connection is closed with the app's").isFalse();
    }

    /** The wait passes with an upstream connection already open (as after the app's TLS handshake, or the probe). */
    private void silencePassesWithTheUpstreamConnected() {
        upstream = new EmbeddedChannel(new HeldInbound());
        connection.connectingInAdvance(app, upstream.eventLoop().newSucceededFuture(upstream));
        app.advanceTimeBy(connection.runtime.settings().serverFirstWait().toMillis(), TimeUnit.MILLISECONDS);
        app.runScheduledPendingTasks();
        assertThat(app.pipeline().get(ProtocolSniffer.NAME)).as("silence alone decides nothing").isNotNull();
    }

    private Flow only() {
        assertThat(flows.flows()).hasSize(1);
        return flows.flows().get(0);
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    /** Everything written to {@code channel} so far, as text. */
    private static String outbound(EmbeddedChannel channel) {
        StringBuilder text = new StringBuilder();
        for (ByteBuf bytes = channel.readOutbound(); bytes != null; bytes = channel.readOutbound()) {
            text.append(bytes.toString(StandardCharsets.US_ASCII));
            bytes.release();
        }
        return text.toString();
    }
}
