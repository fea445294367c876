package dev.apptap.proxy.dns;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A DNS client built by hand, independent of Netty's codec, so the tests check the wire format rather than the
 * codec against itself.
 */
final class DnsWire {

    static final int A = 1;
    static final int CNAME = 5;
    static final int MX = 15;
    static final int AAAA = 28;

    private DnsWire() {
    }

    static byte[] query(int id, String name, int type) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.writeShort(id);
            out.writeShort(0x0100); // RD
            out.writeShort(1);
            out.writeShort(0);
            out.writeShort(0);
            out.writeShort(0);
            writeName(out, name);
            out.writeShort(type);
            out.writeShort(1); // IN
        } catch (IOException impossible) {
            throw new AssertionError(impossible);
        }
        return bytes.toByteArray();
    }

    static void writeName(DataOutputStream out, String name) throws IOException {
        for (String label : name.split("\\.")) {
            byte[] raw = label.getBytes(StandardCharsets.US_ASCII);
            out.writeByte(raw.length);
            out.write(raw);
        }
        out.writeByte(0);
    }

    /** A parsed response: header fields and the answer section. */
    record Response(int id, boolean response, boolean authoritative, int rcode, int questions, List<Record> answers) {
        List<String> addresses() {
            return answers.stream().filter(r -> r.type == A || r.type == AAAA).map(Record::address).toList();
        }
    }

    record Record(int type, int ttl, byte[] data) {
        String address() {
            try {
                return InetAddress.getByAddress(data).getHostAddress();
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
    }

    static Response parse(byte[] message) {
        ByteBuffer in = ByteBuffer.wrap(message);
        int id = in.getShort() & 0xffff;
        int flags = in.getShort() & 0xffff;
        int qd = in.getShort() & 0xffff;
        int an = in.getShort() & 0xffff;
        in.getShort();
        in.getShort();
        for (int i = 0; i < qd; i++) {
            skipName(in);
            in.getInt();
        }
        List<Record> answers = new ArrayList<>();
        for (int i = 0; i < an; i++) {
            skipName(in);
            int type = in.getShort() & 0xffff;
            in.getShort();
            int ttl = in.getInt();
            byte[] data = new byte[in.getShort() & 0xffff];
            in.get(data);
            answers.add(new Record(type, ttl, data));
        }
        return new Response(id, (flags & 0x8000) != 0, (flags & 0x0400) != 0, flags & 0x0f, qd, answers);
    }

    private static void skipName(ByteBuffer in) {
        while (true) {
            int length = in.get() & 0xff;
            if (length == 0) {
                return;
            }
            if ((length & 0xc0) == 0xc0) {
                in.get();
                return;
            }
            in.position(in.position() + length);
        }
    }

    static byte[] udp(InetSocketAddress server, byte[] query) throws IOException {
        return udpFrom(InetAddress.getLoopbackAddress(), server, query);
    }

    static byte[] udp6(InetSocketAddress server, byte[] query) throws IOException {
        return udpFrom(InetAddress.getByName("::1"), server, query);
    }

    private static byte[] udpFrom(InetAddress local, InetSocketAddress server, byte[] query) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(local, 0))) {
            socket.setSoTimeout(5_000);
            socket.send(new DatagramPacket(query, query.length, server));
            DatagramPacket answer = new DatagramPacket(new byte[4096], 4096);
            socket.receive(answer);
            byte[] bytes = new byte[answer.getLength()];
            System.arraycopy(answer.getData(), 0, bytes, 0, bytes.length);
            return bytes;
        }
    }

    static byte[] tcp(InetSocketAddress server, byte[] query) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(server, 5_000);
            socket.setSoTimeout(5_000);
            return tcpExchange(socket, query);
        }
    }

    static byte[] tcpExchange(Socket socket, byte[] query) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(new byte[] {(byte) (query.length >> 8), (byte) query.length});
        out.write(query);
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] answer = new byte[in.readUnsignedShort()];
        in.readFully(answer);
        return answer;
    }
}
