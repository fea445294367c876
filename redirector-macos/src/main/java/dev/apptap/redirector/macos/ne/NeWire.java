package dev.apptap.redirector.macos.ne;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The messages mitmproxy's macOS redirector exchanges with its proxy, encoded by hand: seven small proto3 messages
 * ({@code mitmproxy_ipc.proto} since mitmproxy_rs 0.11.5, extension version 2.x), of which apptap writes two and reads
 * three. A hand-written codec keeps the module free of protoc and protobuf-java, and lets the {@code kill -9}
 * watchdog, which runs with nothing but the JDK, encode the spec it sends. Every message travels in a frame: a 4-byte
 * big-endian length, then the message.
 *
 * <p>Field numbers (and the wire type each uses):
 * <pre>
 * InterceptConf { repeated string actions = 1; }
 * NewFlow       { oneof { TcpFlow tcp = 1; UdpFlow udp = 2; } }
 * TcpFlow       { Address remote_address = 1; TunnelInfo tunnel_info = 2; }
 * UdpFlow       { optional Address local_address = 1; TunnelInfo tunnel_info = 3; }
 * UdpPacket     { bytes data = 1; Address remote_address = 2; }
 * Address       { string host = 1; uint32 port = 2; }
 * TunnelInfo    { optional uint32 pid = 1; optional string process_name = 2; }
 * </pre>
 * Unknown fields are skipped, as protobuf requires, so a newer 2.x extension that adds fields still talks to apptap.
 */
final class NeWire {

    /** The largest frame apptap accepts: a flow's handshake is tens of bytes, a UDP datagram at most 64 KiB. */
    static final int MAX_FRAME = 256 * 1024;

    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private NeWire() {
    }

    /** Where a flow goes (TCP) or comes from (UDP): an IP literal as the extension wrote it, and a port. */
    record Address(String host, int port) {

        /** The host without an IPv6 zone ({@code fe80::1%en0}), which Java's address parser would look up. */
        String hostWithoutZone() {
            int zone = host.indexOf('%');
            return zone < 0 ? host : host.substring(0, zone);
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * The handshake that opens each flow connection.
     *
     * @param udp        whether the flow is UDP (then framed {@link UdpPacket}s follow), else TCP (raw bytes follow)
     * @param address    TCP: the destination; UDP: the app's local address, when the extension knows it
     * @param pid        the app's process id, when the extension knows it
     * @param executable the app's executable path, when the extension knows it
     */
    record NewFlow(boolean udp, Optional<Address> address, OptionalLong pid, Optional<String> executable) {
    }

    /** One datagram: to {@code remote} from the app, or from {@code remote} to the app. */
    record UdpPacket(byte[] data, Address remote) {
    }

    /** {@code InterceptConf{actions}} in its frame. */
    static byte[] interceptConf(List<String> actions) {
        Writer message = new Writer();
        for (String action : actions) {
            message.bytes(1, action.getBytes(StandardCharsets.UTF_8));
        }
        return frame(message.toByteArray());
    }

    /** {@code UdpPacket{data, remote_address}} in its frame. */
    static byte[] udpPacket(UdpPacket packet) {
        Writer message = new Writer();
        message.bytes(1, packet.data());
        message.bytes(2, address(packet.remote()));
        return frame(message.toByteArray());
    }

    static byte[] frame(byte[] message) {
        byte[] framed = new byte[4 + message.length];
        int n = message.length;
        framed[0] = (byte) (n >>> 24);
        framed[1] = (byte) (n >>> 16);
        framed[2] = (byte) (n >>> 8);
        framed[3] = (byte) n;
        System.arraycopy(message, 0, framed, 4, n);
        return framed;
    }

    /** Reads a frame's length prefix, refusing what no extension sends. */
    static int frameLength(int prefix, String what) throws NeProtocolException {
        if (prefix < 0 || prefix > MAX_FRAME) {
            throw new NeProtocolException("The macOS redirector extension announced a " + what + " of "
                    + Integer.toUnsignedString(prefix) + " bytes, more than the " + MAX_FRAME + " apptap accepts;"
                    + " the extension is not speaking mitmproxy's protocol version 2 (reinstall Mitmproxy Redirector 2.x).");
        }
        return prefix;
    }

    /** Decodes a {@code NewFlow} message (without its frame). */
    static NewFlow newFlow(byte[] message) throws NeProtocolException {
        Reader reader = new Reader(message, 0, message.length, "flow handshake");
        NewFlow flow = null;
        while (reader.more()) {
            int tag = reader.tag();
            if (tag == (1 << 3 | LENGTH_DELIMITED)) {
                flow = tcpFlow(reader.nested());
            } else if (tag == (2 << 3 | LENGTH_DELIMITED)) {
                flow = udpFlow(reader.nested());
            } else {
                reader.skip(tag);
            }
        }
        if (flow == null) {
            throw new NeProtocolException("The macOS redirector extension opened a flow whose handshake names neither a"
                    + " TCP nor a UDP flow (" + message.length + " bytes); apptap closed that flow.");
        }
        return flow;
    }

    private static NewFlow tcpFlow(Reader reader) throws NeProtocolException {
        Address remote = null;
        Tunnel tunnel = Tunnel.NONE;
        while (reader.more()) {
            int tag = reader.tag();
            if (tag == (1 << 3 | LENGTH_DELIMITED)) {
                remote = address(reader.nested());
            } else if (tag == (2 << 3 | LENGTH_DELIMITED)) {
                tunnel = tunnel(reader.nested());
            } else {
                reader.skip(tag);
            }
        }
        if (remote == null) {
            throw new NeProtocolException("The macOS redirector extension opened a TCP flow" + tunnel.from()
                    + " without its destination; apptap closed that flow.");
        }
        return new NewFlow(false, Optional.of(remote), tunnel.pid, tunnel.executable);
    }

    private static NewFlow udpFlow(Reader reader) throws NeProtocolException {
        Address local = null;
        Tunnel tunnel = Tunnel.NONE;
        while (reader.more()) {
            int tag = reader.tag();
            if (tag == (1 << 3 | LENGTH_DELIMITED)) {
                local = address(reader.nested());
            } else if (tag == (3 << 3 | LENGTH_DELIMITED)) {
                tunnel = tunnel(reader.nested());
            } else {
                reader.skip(tag);
            }
        }
        return new NewFlow(true, Optional.ofNullable(local), tunnel.pid, tunnel.executable);
    }

    /** Decodes a {@code UdpPacket} message (without its frame). */
    static UdpPacket udpPacket(byte[] message) throws NeProtocolException {
        Reader reader = new Reader(message, 0, message.length, "UDP packet");
        byte[] data = new byte[0];
        Address remote = null;
        while (reader.more()) {
            int tag = reader.tag();
            if (tag == (1 << 3 | LENGTH_DELIMITED)) {
                data = reader.bytes();
            } else if (tag == (2 << 3 | LENGTH_DELIMITED)) {
                remote = address(reader.nested());
            } else {
                reader.skip(tag);
            }
        }
        if (remote == null) {
            throw new NeProtocolException("The macOS redirector extension sent a UDP packet without its destination;"
                    + " apptap closed that flow.");
        }
        return new UdpPacket(data, remote);
    }

    private static Address address(Reader reader) throws NeProtocolException {
        String host = "";
        long port = 0;
        while (reader.more()) {
            int tag = reader.tag();
            if (tag == (1 << 3 | LENGTH_DELIMITED)) {
                host = reader.string();
            } else if (tag == (2 << 3 | VARINT)) {
                port = reader.varint();
            } else {
                reader.skip(tag);
            }
        }
        if (port > 0xFFFF) {
            throw new NeProtocolException("The macOS redirector extension sent the port " + port + " for " + host
                    + ", which is no TCP or UDP port; apptap closed that flow.");
        }
        return new Address(host, (int) port);
    }

    private static byte[] address(Address address) {
        Writer message = new Writer();
        message.bytes(1, address.host().getBytes(StandardCharsets.UTF_8));
        if (address.port() != 0) {
            message.varint(2 << 3 | VARINT);
            message.varint(address.port());
        }
        return message.toByteArray();
    }

    private record Tunnel(OptionalLong pid, Optional<String> executable) {
        static final Tunnel NONE = new Tunnel(OptionalLong.empty(), Optional.empty());

        String from() {
            return pid.isPresent() ? " from pid " + pid.getAsLong() : "";
        }
    }

    private static Tunnel tunnel(Reader reader) throws NeProtocolException {
        OptionalLong pid = OptionalLong.empty();
        Optional<String> executable = Optional.empty();
        while (reader.more()) {
            int tag = reader.tag();
            if (tag == (1 << 3 | VARINT)) {
                pid = OptionalLong.of(reader.varint() & 0xFFFF_FFFFL);
            } else if (tag == (2 << 3 | LENGTH_DELIMITED)) {
                executable = Optional.of(reader.string());
            } else {
                reader.skip(tag);
            }
        }
        return new Tunnel(pid, executable);
    }

    /** Protobuf's wire format, read within one message's bounds. */
    private static final class Reader {
        private final byte[] bytes;
        private final int end;
        private final String what;
        private int position;

        Reader(byte[] bytes, int start, int end, String what) {
            this.bytes = bytes;
            this.position = start;
            this.end = end;
            this.what = what;
        }

        boolean more() {
            return position < end;
        }

        int tag() throws NeProtocolException {
            long tag = varint();
            if (tag >>> 3 == 0 || tag > Integer.MAX_VALUE) {
                throw malformed("a field numbered " + (tag >>> 3));
            }
            return (int) tag;
        }

        long varint() throws NeProtocolException {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (position >= end) {
                    throw malformed("a number cut off at its end");
                }
                byte b = bytes[position++];
                value |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw malformed("a number longer than ten bytes");
        }

        private int length() throws NeProtocolException {
            long length = varint();
            if (length < 0 || length > end - position) {
                throw malformed("a field of " + length + " bytes where only " + (end - position) + " remain");
            }
            return (int) length;
        }

        Reader nested() throws NeProtocolException {
            int length = length();
            Reader nested = new Reader(bytes, position, position + length, what);
            position += length;
            return nested;
        }

        byte[] bytes() throws NeProtocolException {
            int length = length();
            byte[] value = new byte[length];
            System.arraycopy(bytes, position, value, 0, length);
            position += length;
            return value;
        }

        String string() throws NeProtocolException {
            byte[] value = bytes();
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(value)).toString();
            } catch (CharacterCodingException e) {
                throw malformed("text that is not UTF-8");
            }
        }

        void skip(int tag) throws NeProtocolException {
            switch (tag & 7) {
                case VARINT -> varint();
                case FIXED64 -> advance(8);
                case LENGTH_DELIMITED -> advance(length());
                case FIXED32 -> advance(4);
                default -> throw malformed("field " + (tag >>> 3) + " with wire type " + (tag & 7)
                        + ", which proto3 does not use");
            }
        }

        private void advance(int count) throws NeProtocolException {
            if (count > end - position) {
                throw malformed("a field of " + count + " bytes where only " + (end - position) + " remain");
            }
            position += count;
        }

        private NeProtocolException malformed(String detail) {
            return new NeProtocolException("The macOS redirector extension sent a malformed " + what + " (" + detail
                    + "); apptap closed that flow and keeps serving the others.");
        }
    }

    /** Protobuf's wire format, written. */
    private static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void varint(long value) {
            long v = value;
            while ((v & ~0x7FL) != 0) {
                out.write((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }

        void bytes(int field, byte[] value) {
            varint((long) field << 3 | LENGTH_DELIMITED);
            varint(value.length);
            out.writeBytes(value);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
