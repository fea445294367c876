package dev.apptap.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RawTcpServerTest {

    @Test
    void greetsThenShoutsEachLineBackOverPlainTcp() throws IOException {
        try (RawTcpServer server = RawTcpServer.start();
             Socket socket = new Socket(server.address().getAddress(), server.port())) {
            converse(socket);
            assertThat(server.lines()).containsExactly("hello there", "second line");
            assertThat(server.connectionCount()).isEqualTo(1);
        }
    }

    @Test
    void greetsThenShoutsEachLineBackOverTls() throws IOException {
        try (RawTcpServer server = RawTcpServer.startTls();
             Socket socket = TestPki.get().jdkClientContext().getSocketFactory().createSocket("localhost", server.port())) {
            converse(socket);
        }
    }

    private static void converse(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        Writer out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);

        assertThat(in.readLine()).isEqualTo("HELLO");
        out.write("hello there\r\nsecond line\n");
        out.flush();
        assertThat(in.readLine()).isEqualTo("HELLO THERE");
        assertThat(in.readLine()).isEqualTo("SECOND LINE");
    }
}
