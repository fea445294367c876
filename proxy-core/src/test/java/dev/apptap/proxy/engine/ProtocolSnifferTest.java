package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.proxy.engine.ProtocolSniffer.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProtocolSnifferTest {

    @Test
    void recognisesTlsClientHello() throws Exception {
        ByteBuf record = ClientHelloTest.clientHelloRecord("example.test");
        assertThat(ProtocolSniffer.detect(record, false)).isEqualTo(Protocol.TLS);
        assertThat(ProtocolSniffer.detect(record, true)).as("TLS inside TLS is relayed as bytes").isEqualTo(Protocol.OTHER);
    }

    @Test
    void recognisesHttp1RequestLines() {
        assertThat(detect("GET / HTTP/1.1\r\n")).isEqualTo(Protocol.HTTP1);
        assertThat(detect("OPTIONS * HTTP/1.1\r\n")).isEqualTo(Protocol.HTTP1);
        assertThat(detect("PROPFIND /dav HTTP/1.1\r\n")).isEqualTo(Protocol.HTTP1);
    }

    @Test
    void tellsLineProtocolsThatLookLikeHttpApart() {
        assertThat(detect("EHLO client.example.test\r\n")).isEqualTo(Protocol.OTHER);
        assertThat(detect("PING apptap\n")).isEqualTo(Protocol.OTHER);
        assertThat(detect("GET / HTTP/1.0\n")).isEqualTo(Protocol.HTTP1);
    }

    @Test
    void waitsWhileTheFirstBytesCouldStillBeAMethod() {
        assertThat(detect("GET /still-arriving")).isEqualTo(Protocol.UNDECIDED);
        assertThat(detect("GE")).isEqualTo(Protocol.UNDECIDED);
        assertThat(detect("PRI * HTTP/2")).isEqualTo(Protocol.UNDECIDED);
        assertThat(detect("")).isEqualTo(Protocol.UNDECIDED);
    }

    @Test
    void recognisesHttp2PriorKnowledgePreface() {
        assertThat(detect("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")).isEqualTo(Protocol.HTTP2_PRIOR_KNOWLEDGE);
    }

    @Test
    void treatsAnythingElseAsRawTcp() {
        assertThat(detect("SSH-2.0-OpenSSH_9.2\r\n")).isEqualTo(Protocol.OTHER);
        assertThat(detect("get / http/1.1")).isEqualTo(Protocol.OTHER);
        assertThat(detect("\u0000\u0001binary")).isEqualTo(Protocol.OTHER);
        assertThat(detect("ABCDEFGHIJKLMNOPQRSTUVWXYZ")).isEqualTo(Protocol.OTHER);
        assertThat(detect("\u0016\u0001\u0000garbage")).as("a handshake byte without a TLS version").isEqualTo(Protocol.OTHER);
    }

    private static Protocol detect(String firstBytes) {
        ByteBuf buf = Unpooled.copiedBuffer(firstBytes, StandardCharsets.ISO_8859_1);
        try {
            return ProtocolSniffer.detect(buf, false);
        } finally {
            buf.release();
        }
    }
}
