package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.TcpFlow;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ExplicitProxyHandlerTest {

    private final FlowStore flows = new FlowStore();
    private final ConnectionContext connection = EmbeddedConnections.connection(flows, ConnectionContext.Entry.EXPLICIT);

    @Test
    void answersConnectWith200AndHandsTheTunnelToTheSniffer() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(Pipelines.HTTP_CODEC, Pipelines.newServerCodec(connection.runtime.settings()));
        channel.pipeline().addLast(ExplicitProxyHandler.NAME, new ExplicitProxyHandler(connection));

        channel.writeInbound(ascii("CONNECT API.Example.test:8443 HTTP/1.1\r\nHost: api.example.test:8443\r\n\r\n"));

        assertThat(readAll(channel)).isEqualTo("HTTP/1.1 200 Connection Established\r\n\r\n");
        assertThat(channel.pipeline().names()).contains(ProtocolSniffer.NAME)
                .doesNotContain(Pipelines.HTTP_CODEC, ExplicitProxyHandler.NAME);
        assertThat(connection.host).isEqualTo("api.example.test");
        assertThat(connection.port).isEqualTo(8443);
        channel.finishAndReleaseAll();
    }

    @Test
    void rejectsConnectWithoutAPortNamingTheTarget() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(Pipelines.HTTP_CODEC, Pipelines.newServerCodec(connection.runtime.settings()));
        channel.pipeline().addLast(ExplicitProxyHandler.NAME, new ExplicitProxyHandler(connection));

        channel.writeInbound(ascii("CONNECT api.example.test HTTP/1.1\r\n\r\n"));

        assertThat(readAll(channel)).startsWith("HTTP/1.1 400 Bad Request")
                .endsWith("CONNECT needs a host:port target, but got 'api.example.test'.\n");
        assertThat(channel.isOpen()).isFalse();
        TcpFlow flow = (TcpFlow) flows.flows().get(0);
        assertThat(flow.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.MALFORMED_REQUEST);
        assertThat(flow.error().orElseThrow().message()).isEqualTo("curl (pid 4242) asked apptap's proxy to CONNECT to"
                + " 'api.example.test', which is not a host:port; apptap closed the connection.");
        channel.finishAndReleaseAll();
    }

    static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    static String readAll(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        for (ByteBuf buf; (buf = channel.readOutbound()) != null; ) {
            out.append(buf.toString(StandardCharsets.US_ASCII));
            buf.release();
        }
        return out.toString();
    }
}
