package dev.apptap.proxy.engine;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The two facts apptap needs from a TLS ClientHello before answering it: the server name (SNI) and the
 * offered application protocols (ALPN). Netty's {@code SslClientHelloHandler} finds and buffers the
 * ClientHello across records; Netty only extracts SNI itself, so the ALPN walk is written here.
 *
 * @param sni  the host name the app sent, lower-cased, or an empty string
 * @param alpn the protocols offered, in the app's order
 */
record ClientHello(String sni, List<String> alpn) {

    private static final int EXTENSION_SERVER_NAME = 0;
    private static final int EXTENSION_ALPN = 16;

    static final ClientHello NONE = new ClientHello("", List.of());

    ClientHello {
        alpn = List.copyOf(alpn);
    }

    /**
     * Parses the body of a ClientHello handshake message (from {@code client_version} on, as
     * {@code SslClientHelloHandler} hands it over). Malformed input yields what was read so far: a
     * ClientHello the TLS stack will reject anyway needs no error of its own here.
     */
    static ClientHello parse(ByteBuf hello) {
        if (hello == null) {
            return NONE;
        }
        String sni = "";
        List<String> alpn = new ArrayList<>();
        int at = hello.readerIndex();
        int end = hello.writerIndex();
        try {
            at += 2 + 32; // client_version, random
            at += 1 + hello.getUnsignedByte(at); // session_id
            at += 2 + hello.getUnsignedShort(at); // cipher_suites
            at += 1 + hello.getUnsignedByte(at); // compression_methods
            if (at + 2 > end) {
                return new ClientHello(sni, alpn);
            }
            int extensionsEnd = Math.min(end, at + 2 + hello.getUnsignedShort(at));
            at += 2;
            while (at + 4 <= extensionsEnd) {
                int type = hello.getUnsignedShort(at);
                int length = hello.getUnsignedShort(at + 2);
                int data = at + 4;
                if (data + length > extensionsEnd) {
                    break;
                }
                if (type == EXTENSION_SERVER_NAME) {
                    sni = serverName(hello, data, data + length);
                } else if (type == EXTENSION_ALPN) {
                    protocols(hello, data, data + length, alpn);
                }
                at = data + length;
            }
        } catch (IndexOutOfBoundsException truncated) {
            // a cut-off hello: keep what was parsed
        }
        return new ClientHello(sni, alpn);
    }

    private static String serverName(ByteBuf hello, int at, int end) {
        int listEnd = Math.min(end, at + 2 + hello.getUnsignedShort(at));
        at += 2;
        while (at + 3 <= listEnd) {
            int nameType = hello.getUnsignedByte(at);
            int length = hello.getUnsignedShort(at + 1);
            at += 3;
            if (at + length > listEnd) {
                break;
            }
            if (nameType == 0) {
                return hello.toString(at, length, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
            }
            at += length;
        }
        return "";
    }

    private static void protocols(ByteBuf hello, int at, int end, List<String> into) {
        int listEnd = Math.min(end, at + 2 + hello.getUnsignedShort(at));
        at += 2;
        while (at + 1 <= listEnd) {
            int length = hello.getUnsignedByte(at);
            at += 1;
            if (length == 0 || at + length > listEnd) {
                break;
            }
            into.add(hello.toString(at, length, StandardCharsets.US_ASCII));
            at += length;
        }
    }
}
