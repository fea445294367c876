package dev.apptap.proxy.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Hand-made byte exchanges for inputs no well-behaved client sends. */
final class RawSockets {

    private RawSockets() {
    }

    /** Sends {@code request}, then reads until the other side closes (or 10 s pass). */
    static String exchange(InetSocketAddress to, byte[] request) throws IOException {
        try (Socket socket = new Socket(to.getAddress(), to.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return readToEnd(socket.getInputStream());
        }
    }

    static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                answer.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException | SocketException stopped) {
            // what arrived so far is the answer
        }
        return answer.toString(StandardCharsets.ISO_8859_1);
    }
}
