package dev.apptap.redirector.macos.ne;

import io.netty.buffer.ByteBuf;

/** Cuts the extension's frames (a 4-byte big-endian length, then the message) out of what a flow has received. */
final class Frames {

    private Frames() {
    }

    /**
     * The next whole frame's message, consumed from {@code in}; null while it has not fully arrived.
     *
     * @param what the kind of message, for the error ({@code "flow handshake"})
     */
    static byte[] next(ByteBuf in, String what) throws NeProtocolException {
        if (in.readableBytes() < 4) {
            return null;
        }
        int length = NeWire.frameLength(in.getInt(in.readerIndex()), what);
        if (in.readableBytes() < 4 + length) {
            return null;
        }
        in.skipBytes(4);
        byte[] message = new byte[length];
        in.readBytes(message);
        return message;
    }
}
