package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.TcpFlow;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The TLS side of the sniffer on EmbeddedChannel: a ClientHello leads to a minted certificate and a handshake. */
class MitmHandshakeTest {

    private final FlowStore flows = new FlowStore();
    private final ConnectionContext connection = EmbeddedConnections.connection(flows, ConnectionContext.Entry.TRANSPARENT);

    @Test
    void answersAClientHelloWithAnSslHandlerForItsServerName() throws Exception {
        connection.destination(new InetSocketAddress("127.0.0.1", 443));
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(ProtocolSniffer.NAME, new ProtocolSniffer(connection, false));

        channel.writeInbound(ClientHelloTest.clientHelloRecord("shop.example.test"));
        channel.runPendingTasks();

        assertThat(channel.pipeline().names()).containsSubsequence(MitmClientHelloHandler.TLS, ClientTlsOutcome.NAME)
                .doesNotContain(ProtocolSniffer.NAME, MitmClientHelloHandler.NAME);
        assertThat(channel.pipeline().get(SslHandler.class).engine().getUseClientMode()).isFalse();
        assertThat(connection.host).isEqualTo("shop.example.test");
        assertThat(connection.hello.alpn()).containsExactly("http/1.1");
        channel.finishAndReleaseAll();
    }

    @Test
    void matchesPassthroughHostsByNameAndWildcard() {
        EngineSettings settings = ProxyEngine.builder().flows(flows).passthrough("*.bank.test").settings();
        assertThat(settings.isPassthrough("online.bank.test")).isTrue();
        assertThat(settings.isPassthrough("bank.test.evil")).isFalse();
        assertThat(settings.isPassthrough("")).isFalse();
    }

    @Test
    void namesTheAppTheHostAndTheFixWhenTheAppRejectsTheCertificate() {
        connection.host = "shop.example.test";
        ClientTlsOutcome outcome = new ClientTlsOutcome(connection);

        FlowError alert = outcome.describe(new SSLHandshakeException("Received fatal alert: unknown_ca"));
        FlowError hangUp = outcome.describe(new ClosedChannelException());

        assertThat(alert.kind()).isEqualTo(FlowError.Kind.CLIENT_REJECTED_CERTIFICATE);
        assertThat(alert.message()).isEqualTo("curl (pid 4242) rejected apptap's certificate for shop.example.test"
                + " (TLS alert unknown_ca), so it does not trust apptap's CA. Start it with apptap's launch environment,"
                + " or set CURL_CA_BUNDLE=<apptap's CA bundle>, or install the CA with 'apptap ca install'.");
        assertThat(hangUp.message()).contains("(it closed the connection during the handshake)");
    }

    @Test
    void tellsNegotiationFailuresApartFromRejectedCertificates() {
        connection.host = "shop.example.test";
        FlowError error = new ClientTlsOutcome(connection).describe(new SSLHandshakeException("no cipher suites in common"));

        assertThat(error.kind()).isEqualTo(FlowError.Kind.CLIENT_TLS_FAILED);
        assertThat(error.message()).isEqualTo("The TLS handshake between curl (pid 4242) and apptap for shop.example.test"
                + " failed before apptap showed a certificate: no cipher suites in common.");
    }

    /**
     * Found by ProtocolSnifferFuzzTest (input {@code tls-client-hello-longer-than-64k}): Netty's refusal reached the end
     * of the pipeline unhandled, and the connection was never recorded.
     */
    @Test
    void recordsAClientHelloLongerThan64KiBAsAFailedHandshake() {
        connection.destination(new InetSocketAddress("127.0.0.1", 443));
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(ProtocolSniffer.NAME, new ProtocolSniffer(connection, false));

        // a handshake record whose ClientHello claims 0x505249 bytes
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x50, 0x52, 0x49}));
        channel.runPendingTasks();

        channel.checkException();
        assertThat(channel.isOpen()).isFalse();
        TcpFlow flow = flows.view().tcpFlows().get(0);
        assertThat(flow.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.CLIENT_TLS_FAILED);
        assertThat(flow.error().orElseThrow().message()).isEqualTo("curl (pid 4242) began a TLS handshake with apptap for"
                + " 127.0.0.1:443 that apptap could not read (ClientHello length exceeds 65536: 5263945); apptap closed the"
                + " connection.");
        channel.finishAndReleaseAll();
    }

    @Test
    void recordsGarbageAfterATlsRecordHeaderAsAFailedHandshake() throws Exception {
        connection.destination(new InetSocketAddress("127.0.0.1", 443));
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(ProtocolSniffer.NAME, new ProtocolSniffer(connection, false));
        byte[] garbage = new byte[64];
        Arrays.fill(garbage, (byte) 'A');
        garbage[0] = 0x16;
        garbage[1] = 0x03;
        garbage[2] = 0x01;
        garbage[3] = 0x00;
        garbage[4] = 0x20;

        channel.writeInbound(Unpooled.wrappedBuffer(garbage));
        channel.runPendingTasks();

        assertThat(channel.isOpen()).isFalse();
        List<TcpFlow> failed = flows.view().tcpFlows();
        assertThat(failed).singleElement().satisfies(f -> assertThat(f.error()).isPresent());
        channel.finishAndReleaseAll();
    }
}
