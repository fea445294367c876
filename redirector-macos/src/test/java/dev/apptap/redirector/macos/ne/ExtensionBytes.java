package dev.apptap.redirector.macos.ne;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The extension's side of the wire, written for the tests from the research note's tag table and byte examples
 * (research/macos_redirector.md §1.3), apart from {@link NeWire}: each message is spelled out field by field with its
 * tag byte, so a mistake in the codec cannot hide behind the same mistake here.
 */
final class ExtensionBytes {

    private ExtensionBytes() {
    }

    /** 4-byte big-endian length, then the message. */
    static byte[] framed(byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(message.length >>> 24);
        out.write(message.length >>> 16 & 0xFF);
        out.write(message.length >>> 8 & 0xFF);
        out.write(message.length & 0xFF);
        out.writeBytes(message);
        return out.toByteArray();
    }

    /** {@code NewFlow{tcp{remote_address{host, port}, tunnel_info{pid, process_name}}}}, framed. */
    static byte[] tcpFlow(String host, int port, long pid, String executable) {
        byte[] tcp = concat(field(0x0A, address(host, port)), field(0x12, tunnelInfo(pid, executable)));
        return framed(field(0x0A, tcp));
    }

    /** {@code NewFlow{udp{local_address{host, port}, tunnel_info{pid, process_name}}}}, framed (tunnel_info is field 3). */
    static byte[] udpFlow(String localHost, int localPort, long pid, String executable) {
        byte[] udp = concat(field(0x0A, address(localHost, localPort)), field(0x1A, tunnelInfo(pid, executable)));
        return framed(field(0x12, udp));
    }

    /** {@code UdpPacket{data, remote_address{host, port}}}, framed. */
    static byte[] udpPacket(byte[] data, String host, int port) {
        return framed(concat(field(0x0A, data), field(0x12, address(host, port))));
    }

    static byte[] address(String host, int port) {
        return concat(field(0x0A, host.getBytes(StandardCharsets.UTF_8)), concat(new byte[] {0x10}, varint(port)));
    }

    static byte[] tunnelInfo(long pid, String executable) {
        return concat(concat(new byte[] {0x08}, varint(pid)), field(0x12, executable.getBytes(StandardCharsets.UTF_8)));
    }

    /** The actions of an {@code InterceptConf} (frame removed): every field is tag 0x0A, a length, UTF-8. */
    static List<String> actions(byte[] message) {
        List<String> actions = new ArrayList<>();
        int i = 0;
        while (i < message.length) {
            if (message[i] != 0x0A) {
                throw new AssertionError("An InterceptConf holds only field 1 (tag 0x0A), but byte " + i + " is "
                        + message[i]);
            }
            int length = 0;
            int shift = 0;
            i++;
            while (true) {
                int b = message[i++] & 0xFF;
                length |= (b & 0x7F) << shift;
                shift += 7;
                if (b < 0x80) {
                    break;
                }
            }
            actions.add(new String(message, i, length, StandardCharsets.UTF_8));
            i += length;
        }
        return actions;
    }

    /** The data of a {@code UdpPacket} (frame removed), and its address as {@code host:port}. */
    static String[] udpPacketParts(byte[] message) {
        String[] parts = new String[2];
        int i = 0;
        while (i < message.length) {
            int tag = message[i++];
            int length = message[i++] & 0xFF;
            if ((length & 0x80) != 0) {
                length = (length & 0x7F) | (message[i++] & 0xFF) << 7;
            }
            if (tag == 0x0A) {
                parts[0] = new String(message, i, length, StandardCharsets.ISO_8859_1);
            } else if (tag == 0x12) {
                byte[] address = new byte[length];
                System.arraycopy(message, i, address, 0, length);
                int hostLength = address[1];
                String host = new String(address, 2, hostLength, StandardCharsets.UTF_8);
                int port = 0;
                int shift = 0;
                for (int j = 2 + hostLength + 1; j < address.length; j++) {
                    port |= (address[j] & 0x7F) << shift;
                    shift += 7;
                }
                parts[1] = host + ":" + port;
            }
            i += length;
        }
        return parts;
    }

    static byte[] field(int tag, byte[] value) {
        return concat(concat(new byte[] {(byte) tag}, varint(value.length)), value);
    }

    static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long v = value;
        while (v >= 0x80) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** {@code "00 00 00 0d 0a 04"} as bytes. */
    static byte[] hex(String spaced) {
        String[] parts = spaced.trim().split("\\s+");
        byte[] bytes = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            bytes[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return bytes;
    }
}
