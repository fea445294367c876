package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

class ClientHelloTest {

    @Test
    void readsServerNameAndOfferedProtocolsFromARealJdkClientHello() throws Exception {
        ByteBuf body = clientHelloBody("api.example.test", List.of("h2", "http/1.1"));
        try {
            ClientHello hello = ClientHello.parse(body);

            assertThat(hello.sni()).isEqualTo("api.example.test");
            assertThat(hello.alpn()).containsExactly("h2", "http/1.1");
        } finally {
            body.release();
        }
    }

    @Test
    void yieldsNoServerNameWhenTheAppConnectedByAddress() throws Exception {
        ByteBuf body = clientHelloBody(null, List.of());
        try {
            assertThat(ClientHello.parse(body)).isEqualTo(new ClientHello("", List.of()));
        } finally {
            body.release();
        }
    }

    @Test
    void keepsWhatItReadWhenTheHelloIsCutShort() throws Exception {
        ByteBuf body = clientHelloBody("cut.example.test", List.of("http/1.1"));
        try {
            ByteBuf truncated = body.slice(0, 60);
            assertThat(ClientHello.parse(truncated).sni()).isEmpty();
            assertThat(ClientHello.parse(null)).isEqualTo(ClientHello.NONE);
        } finally {
            body.release();
        }
    }

    /** The ClientHello body (from client_version on) as a JDK client sends it. */
    static ByteBuf clientHelloBody(String sni, List<String> alpn) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine();
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        if (sni != null) {
            parameters.setServerNames(List.of(new SNIHostName(sni)));
        }
        parameters.setApplicationProtocols(alpn.toArray(String[]::new));
        engine.setSSLParameters(parameters);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        ByteBuf record = Unpooled.wrappedBuffer(out);
        // record header (5 bytes) and handshake header (4 bytes) precede the body
        return record.slice(9, record.readableBytes() - 9);
    }

    static ByteBuf clientHelloRecord(String sni) throws Exception {
        ByteBuf body = clientHelloBody(sni, List.of("http/1.1"));
        return Unpooled.wrappedBuffer(body.unwrap().array(), 0, body.readableBytes() + 9);
    }
}
