package dev.apptap.proxy.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A cleartext HTTP/2 client that writes frames by hand, for inputs well-behaved clients never send: resets
 * mid-body, oversized header blocks, data past the flow-control window, GOAWAY with streams in flight. It
 * reaches its server through an HTTP proxy's CONNECT tunnel (apptap's explicit listener).
 */
public final class RawH2Client implements AutoCloseable {

    public static final int DATA = 0;
    public static final int HEADERS = 1;
    public static final int RST_STREAM = 3;
    public static final int SETTINGS = 4;
    public static final int PING = 6;
    public static final int GOAWAY = 7;

    private final Socket socket;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
    private final Map<Integer, StreamResult> streams = new ConcurrentHashMap<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile long goAwayError = -1;

    /** What came back on one stream. */
    public static final class StreamResult {
        public volatile String status = "";
        public final ByteArrayOutputStream body = new ByteArrayOutputStream();
        public volatile long resetCode = -1;
        public final CountDownLatch done = new CountDownLatch(1);
    }

    private RawH2Client(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
    }

    /** Opens a CONNECT tunnel through {@code proxy} to {@code authority} and starts HTTP/2 with prior knowledge. */
    public static RawH2Client throughProxy(InetSocketAddress proxy, String authority) throws IOException {
        Socket socket = new Socket(proxy.getAddress(), proxy.getPort());
        socket.setSoTimeout(15_000);
        socket.getOutputStream().write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        DataInputStream in = new DataInputStream(socket.getInputStream());
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.readUnsignedByte());
        }
        if (!head.toString().startsWith("HTTP/1.1 200")) {
            socket.close();
            throw new IOException("The proxy refused the tunnel to " + authority + ": " + head);
        }
        return priorKnowledge(socket);
    }

    /** Starts HTTP/2 with prior knowledge on a connected socket, such as one an app opened a while ago. */
    public static RawH2Client priorKnowledge(Socket socket) throws IOException {
        RawH2Client client = new RawH2Client(socket);
        DataInputStream in = new DataInputStream(socket.getInputStream());
        client.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        client.frame(SETTINGS, 0, 0, new byte[0]);
        Thread reader = new Thread(() -> client.readLoop(in), "raw-h2-reader");
        reader.setDaemon(true);
        reader.start();
        return client;
    }

    public synchronized void headers(int streamId, Http2Headers headers, boolean endStream) throws IOException {
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.configuration().maxHeaderListSize(Integer.MAX_VALUE);
            encoder.encodeHeaders(streamId, headers, block);
        } catch (Http2Exception e) {
            throw new IOException(e);
        }
        byte[] bytes = new byte[block.readableBytes()];
        block.readBytes(bytes);
        block.release();
        // large blocks go out as HEADERS + CONTINUATION frames of at most 16 KiB
        int at = 0;
        boolean first = true;
        do {
            int n = Math.min(16_384, bytes.length - at);
            boolean last = at + n == bytes.length;
            int flags = (last ? 0x4 : 0) | (first && endStream ? 0x1 : 0);
            frame(first ? HEADERS : 9, flags, streamId, Arrays.copyOfRange(bytes, at, at + n));
            at += n;
            first = false;
        } while (at < bytes.length);
        streams.computeIfAbsent(streamId, id -> new StreamResult());
    }

    public synchronized void data(int streamId, byte[] bytes, boolean endStream) throws IOException {
        frame(DATA, endStream ? 0x1 : 0, streamId, bytes);
    }

    public synchronized void reset(int streamId, long code) throws IOException {
        frame(RST_STREAM, 0, streamId, new byte[]{0, 0, 0, (byte) code});
    }

    public synchronized void goAway(int lastStreamId) throws IOException {
        frame(GOAWAY, 0, 0, new byte[]{(byte) (lastStreamId >>> 24), (byte) (lastStreamId >>> 16),
                (byte) (lastStreamId >>> 8), (byte) lastStreamId, 0, 0, 0, 0});
    }

    public StreamResult stream(int streamId) {
        return streams.computeIfAbsent(streamId, id -> new StreamResult());
    }

    /** Whether the other side closed the connection within {@code seconds}. */
    public boolean awaitClosed(long seconds) throws InterruptedException {
        return closed.await(seconds, TimeUnit.SECONDS);
    }

    public long goAwayError() {
        return goAwayError;
    }

    private synchronized void frame(int type, int flags, int streamId, byte[] payload) throws IOException {
        byte[] header = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (streamId >>> 24), (byte) (streamId >>> 16), (byte) (streamId >>> 8),
                (byte) streamId};
        out.write(header);
        out.write(payload);
        out.flush();
    }

    private void readLoop(DataInputStream in) {
        ByteArrayOutputStream headerBlock = new ByteArrayOutputStream();
        try {
            while (true) {
                int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int streamId = in.readInt() & 0x7fffffff;
                byte[] payload = in.readNBytes(length);
                switch (type) {
                    case DATA -> {
                        StreamResult s = stream(streamId);
                        s.body.write(payload);
                        // give the credit back at once, so large answers never stall this client
                        if (length > 0) {
                            byte[] increment = {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
                            frame(8, 0, 0, increment);
                            frame(8, 0, streamId, increment);
                        }
                        if ((flags & 0x1) != 0) {
                            s.done.countDown();
                        }
                    }
                    case HEADERS, 9 -> {
                        headerBlock.write(payload, type == HEADERS ? paddingStart(flags, payload) : 0,
                                payload.length - (type == HEADERS ? paddingStart(flags, payload) : 0));
                        if ((flags & 0x4) != 0) {
                            ByteBuf block = Unpooled.wrappedBuffer(headerBlock.toByteArray());
                            Http2Headers headers = decoder.decodeHeaders(streamId, block);
                            block.release();
                            headerBlock.reset();
                            if (headers.status() != null) {
                                stream(streamId).status = headers.status().toString();
                            }
                        }
                        if ((flags & 0x1) != 0) {
                            stream(streamId).done.countDown();
                        }
                    }
                    case RST_STREAM -> {
                        StreamResult s = stream(streamId);
                        s.resetCode = ((payload[0] & 0xffL) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8) | (payload[3] & 0xff);
                        s.done.countDown();
                    }
                    case SETTINGS -> {
                        if ((flags & 0x1) == 0) {
                            frame(SETTINGS, 0x1, 0, new byte[0]);
                        }
                    }
                    case PING -> {
                        if ((flags & 0x1) == 0) {
                            frame(PING, 0x1, 0, payload);
                        }
                    }
                    case GOAWAY -> goAwayError = ((payload[4] & 0xffL) << 24) | ((payload[5] & 0xff) << 16)
                            | ((payload[6] & 0xff) << 8) | (payload[7] & 0xff);
                    default -> {
                        // WINDOW_UPDATE and the rest need no answer
                    }
                }
            }
        } catch (IOException | Http2Exception e) {
            closed.countDown();
            streams.values().forEach(s -> s.done.countDown());
        }
    }

    /** Headers frames with PRIORITY or PADDED flags carry bytes before the header block. */
    private static int paddingStart(int flags, byte[] payload) {
        int at = 0;
        if ((flags & 0x8) != 0) {
            at += 1;
        }
        if ((flags & 0x20) != 0) {
            at += 5;
        }
        return at;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
