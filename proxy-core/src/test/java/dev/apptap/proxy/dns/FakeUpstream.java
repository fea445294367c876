package dev.apptap.proxy.dns;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A resolver on 127.0.0.1 that stands in for the system's, so that forwarding tests never send a packet off this
 * machine. It answers every query with a CNAME and an A record written with compression pointers (the format a
 * relay must not re-encode), or stays silent.
 */
final class FakeUpstream implements AutoCloseable {

    /** TEST-NET-1 (RFC 5737): only ever data in an answer, never a destination. */
    static final byte[] ANSWER_ADDRESS = {(byte) 192, 0, 2, 7};

    private final DatagramSocket socket;
    private final boolean silent;
    private final List<byte[]> queries = new CopyOnWriteArrayList<>();
    private final List<byte[]> answers = new CopyOnWriteArrayList<>();
    private final Thread thread;

    private FakeUpstream(boolean silent) throws SocketException {
        this.silent = silent;
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.thread = new Thread(this::serve, "fake-upstream-dns");
        thread.setDaemon(true);
        thread.start();
    }

    static FakeUpstream answering() throws SocketException {
        return new FakeUpstream(false);
    }

    static FakeUpstream silent() throws SocketException {
        return new FakeUpstream(true);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    List<byte[]> queries() {
        return queries;
    }

    List<byte[]> answers() {
        return answers;
    }

    private void serve() {
        byte[] buffer = new byte[4096];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (IOException closed) {
                return;
            }
            byte[] query = Arrays.copyOf(packet.getData(), packet.getLength());
            queries.add(query);
            if (silent) {
                continue;
            }
            byte[] answer = answer(query);
            answers.add(answer);
            try {
                socket.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** Echoes the question; then {@code name CNAME edge.<name>} and {@code edge.<name> A 192.0.2.7}. */
    private static byte[] answer(byte[] query) {
        int questionEnd = 12;
        while (query[questionEnd] != 0) {
            questionEnd += (query[questionEnd] & 0xff) + 1;
        }
        questionEnd += 5;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.write(query, 0, 2);
            out.writeShort(0x8180); // QR, RD, RA
            out.writeShort(1);
            out.writeShort(2);
            out.writeShort(0);
            out.writeShort(0);
            out.write(query, 12, questionEnd - 12);
            // The CNAME's target starts after its owner pointer, type, class, TTL and length: 12 bytes on.
            int cnameAt = bytes.size() + 12;
            out.writeShort(0xc00c);
            out.writeShort(DnsWire.CNAME);
            out.writeShort(1);
            out.writeInt(300);
            out.writeShort(7);
            out.writeByte(4);
            out.write("edge".getBytes(StandardCharsets.US_ASCII));
            out.writeShort(0xc00c);
            out.writeShort(0xc000 | cnameAt);
            out.writeShort(DnsWire.A);
            out.writeShort(1);
            out.writeInt(300);
            out.writeShort(4);
            out.write(ANSWER_ADDRESS);
        } catch (IOException impossible) {
            throw new AssertionError(impossible);
        }
        return bytes.toByteArray();
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(2_000);
    }
}
