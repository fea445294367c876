package dev.apptap.proxy.engine;

import dev.apptap.flow.Body;
import dev.apptap.flow.WebSocketMessage;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Watches one direction of an upgraded connection and reports each WebSocket message as it completes,
 * without touching the bytes: apptap relays the frames exactly as sent (masks, extensions and all), so it
 * reads a copy instead of decoding and re-encoding frames with Netty's WebSocket codec.
 */
final class WebSocketObserver {

    private final WebSocketMessage.Direction direction;
    private final int limit;
    private final Consumer<Partial> sink;

    private final byte[] header = new byte[14];
    private int headerLength;
    private long payloadLeft = -1;
    private final byte[] mask = new byte[4];
    private boolean masked;
    private int maskIndex;
    private int opcode;
    private boolean fin;

    /** Data messages may be fragmented, and control frames may come between their fragments. */
    private final Message data = new Message();
    private final Message control = new Message();
    private Message current;
    private boolean broken;

    private static final class Message {
        WebSocketMessage.Type type;
        boolean compressed;
        final ByteArrayOutputStream payload = new ByteArrayOutputStream();
        long size;

        void start(WebSocketMessage.Type newType, boolean rsv1) {
            type = newType;
            compressed = rsv1;
            payload.reset();
            size = 0;
        }
    }

    /** A message as observed, before its time is stamped. */
    record Partial(WebSocketMessage.Direction direction, WebSocketMessage.Type type, Body payload, long size, int closeCode) {

        /**
         * A message from its unmasked payload as recorded ({@code bytes}, up to the recording limit) and its full size;
         * a close's first two bytes are its code.
         */
        static Partial of(WebSocketMessage.Direction direction, WebSocketMessage.Type type, byte[] bytes, long size) {
            if (type == WebSocketMessage.Type.CLOSE && bytes.length >= 2) {
                int closeCode = ((bytes[0] & 0xff) << 8) | (bytes[1] & 0xff);
                return new Partial(direction, type, new Body(Arrays.copyOfRange(bytes, 2, bytes.length), size - 2,
                        size > bytes.length, "text/plain; charset=utf-8", ""), size, closeCode);
            }
            return new Partial(direction, type, new Body(bytes, size, size > bytes.length,
                    type == WebSocketMessage.Type.TEXT ? "text/plain; charset=utf-8" : "", ""), size, -1);
        }
    }

    /** permessage-deflate, when the handshake agreed it: messages with RSV1 set are inflated for the record. */
    private Inflater inflater;
    private boolean resetInflaterPerMessage;

    WebSocketObserver(WebSocketMessage.Direction direction, int limit, Consumer<Partial> sink) {
        this.direction = direction;
        this.limit = limit;
        this.sink = sink;
    }

    /**
     * Inflates compressed messages as the agreed {@code permessage-deflate} extension says.
     *
     * @param noContextTakeover whether this direction's sender resets its compressor after each message
     */
    void permessageDeflate(boolean noContextTakeover) {
        inflater = new Inflater(true);
        resetInflaterPerMessage = noContextTakeover;
    }

    void observe(ByteBuf bytes) {
        int at = bytes.readerIndex();
        int end = bytes.writerIndex();
        while (at < end && !broken) {
            if (payloadLeft < 0) {
                header[headerLength++] = bytes.getByte(at++);
                int needed = headerSize();
                if (needed > 0 && headerLength == needed) {
                    startFrame();
                }
            } else {
                int take = (int) Math.min(payloadLeft, end - at);
                consumePayload(bytes, at, take);
                at += take;
                payloadLeft -= take;
                if (payloadLeft == 0) {
                    endFrame();
                }
            }
        }
    }

    /** The header's full size once its first bytes tell, else 0. */
    private int headerSize() {
        if (headerLength < 2) {
            return 0;
        }
        int length7 = header[1] & 0x7f;
        int size = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + ((header[1] & 0x80) != 0 ? 4 : 0);
        return size;
    }

    private void startFrame() {
        fin = (header[0] & 0x80) != 0;
        opcode = header[0] & 0x0f;
        masked = (header[1] & 0x80) != 0;
        int length7 = header[1] & 0x7f;
        int at = 2;
        long length;
        if (length7 == 126) {
            length = ((header[2] & 0xff) << 8) | (header[3] & 0xff);
            at = 4;
        } else if (length7 == 127) {
            length = 0;
            for (int i = 2; i < 10; i++) {
                length = (length << 8) | (header[i] & 0xff);
            }
            at = 10;
        } else {
            length = length7;
        }
        if (length < 0) {
            broken = true; // not WebSocket after all; stop watching rather than guess
            return;
        }
        if (masked) {
            System.arraycopy(header, at, mask, 0, 4);
        }
        maskIndex = 0;
        headerLength = 0;
        payloadLeft = length;
        if (opcode >= 8) {
            current = control;
            control.start(typeOf(opcode), false);
        } else {
            current = data;
            if (opcode != 0) {
                data.start(typeOf(opcode), (header[0] & 0x40) != 0);
            }
        }
        if (length == 0) {
            endFrame();
        }
    }

    private void consumePayload(ByteBuf bytes, int at, int take) {
        current.size += take;
        int keep = Math.min(take, limit - current.payload.size());
        if (keep <= 0) {
            maskIndex = (int) ((maskIndex + take) % 4);
            return;
        }
        byte[] chunk = new byte[keep];
        bytes.getBytes(at, chunk);
        if (masked) {
            for (int i = 0; i < keep; i++) {
                chunk[i] ^= mask[(maskIndex + i) & 3];
            }
        }
        current.payload.write(chunk, 0, keep);
        maskIndex = (int) ((maskIndex + take) % 4);
    }

    private void endFrame() {
        payloadLeft = -1;
        Message message = current;
        if (!fin || message == null || message.type == null) {
            return;
        }
        byte[] bytes = message.payload.toByteArray();
        // a message cut short by the recording limit cannot be inflated; it is kept as it travelled
        boolean inflated = message.compressed && inflater != null && message.size == bytes.length;
        if (inflated) {
            bytes = inflate(bytes);
        }
        long size = inflated ? bytes.length : message.size;
        sink.accept(Partial.of(direction, message.type, bytes, size));
        message.type = null;
    }

    /** RFC 7692: the sender stripped the final empty block's tail; put it back before inflating. */
    private byte[] inflate(byte[] compressed) {
        try {
            byte[] input = Arrays.copyOf(compressed, compressed.length + 4);
            input[compressed.length + 2] = (byte) 0xff;
            input[compressed.length + 3] = (byte) 0xff;
            inflater.setInput(input);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            while (out.size() < limit) {
                int n = inflater.inflate(buffer);
                if (n == 0) {
                    break;
                }
                out.write(buffer, 0, Math.min(n, limit - out.size()));
            }
            if (resetInflaterPerMessage) {
                inflater.reset();
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            // an unreadable message is kept as it travelled
            inflater.reset();
            return compressed;
        }
    }

    private static WebSocketMessage.Type typeOf(int opcode) {
        return switch (opcode) {
            case 1 -> WebSocketMessage.Type.TEXT;
            case 8 -> WebSocketMessage.Type.CLOSE;
            case 9 -> WebSocketMessage.Type.PING;
            case 10 -> WebSocketMessage.Type.PONG;
            default -> WebSocketMessage.Type.BINARY;
        };
    }
}
