package dev.apptap.proxy.engine;

import dev.apptap.flow.Headers;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds where an HTTP/1 message body ends in the bytes that follow its head, and hands the body's content (without
 * chunk framing) to a {@link Body} on the side, so the bytes themselves can be forwarded as they came. Knows the
 * three framings: a Content-Length, chunks (with trailer fields), and a response that ends when the server closes.
 * The chunked state machine takes one byte at a time outside chunk data, so any split of the bytes works.
 *
 * <pre>{@code
 * framer.start(head.contentLength(), head.chunked());
 * int from = in.readerIndex();
 * boolean ended = framer.feed(in, body);      // advances in's reader index past this message's bytes
 * forward(in.retainedSlice(from, in.readerIndex() - from));
 * }</pre>
 */
final class Http1BodyFramer {

    /** What the body holds, as it is found. */
    interface Body {
        /** A part of the body's content; valid only during the call. */
        void content(ByteBuf data);
    }

    /** A body whose chunk framing or trailer fields are not HTTP/1; the message says what was wrong. */
    static final class BadBody extends Exception {
        BadBody(String message) {
            super(message, null, false, false);
        }
    }

    private enum State { DONE, FIXED, UNTIL_CLOSE, CHUNK_SIZE, CHUNK_EXTENSION, CHUNK_SIZE_LF, CHUNK_DATA, CHUNK_DATA_CR,
        CHUNK_DATA_LF, TRAILER }

    private static final int LONGEST_TRAILER_BLOCK = 16 * 1024;

    private State state = State.DONE;
    private long remaining;
    private boolean sizeHasDigits;
    private final StringBuilder trailerLine = new StringBuilder();
    private List<String> trailers;
    private int trailerBytes;

    /** A body of {@code length} bytes, or chunked; {@code length} 0 and not chunked is no body at all. */
    void start(long length, boolean chunked) {
        trailers = null;
        if (chunked) {
            startChunk();
        } else {
            remaining = length;
            state = length > 0 ? State.FIXED : State.DONE;
        }
    }

    /** A response body that ends when the server closes the connection. */
    void startUntilClose() {
        trailers = null;
        state = State.UNTIL_CLOSE;
    }

    /** Whether the current body has ended (or there was none). */
    boolean ended() {
        return state == State.DONE;
    }

    /** Whether the body ends only when the connection does. */
    boolean endsWithConnection() {
        return state == State.UNTIL_CLOSE;
    }

    /** The trailer fields of the chunked body that just ended, or {@code null} when it had none. */
    Headers trailers() {
        return trailers == null ? null : Headers.of(trailers.toArray(String[]::new));
    }

    /**
     * Consumes what of {@code in} belongs to the current body, telling {@code body} its content.
     *
     * @return whether the body ended; bytes after it stay unread in {@code in}
     */
    boolean feed(ByteBuf in, Body body) throws BadBody {
        while (state != State.DONE && in.isReadable()) {
            switch (state) {
                case FIXED -> {
                    int take = (int) Math.min(remaining, in.readableBytes());
                    body.content(in.slice(in.readerIndex(), take));
                    in.skipBytes(take);
                    remaining -= take;
                    if (remaining == 0) {
                        state = State.DONE;
                    }
                }
                case UNTIL_CLOSE -> {
                    body.content(in);
                    in.skipBytes(in.readableBytes());
                }
                case CHUNK_DATA -> {
                    int take = (int) Math.min(remaining, in.readableBytes());
                    body.content(in.slice(in.readerIndex(), take));
                    in.skipBytes(take);
                    remaining -= take;
                    if (remaining == 0) {
                        state = State.CHUNK_DATA_CR;
                    }
                }
                default -> chunkFraming(in.readByte());
            }
        }
        return state == State.DONE;
    }

    private void startChunk() {
        state = State.CHUNK_SIZE;
        remaining = 0;
        sizeHasDigits = false;
    }

    private void chunkFraming(byte b) throws BadBody {
        switch (state) {
            case CHUNK_SIZE -> {
                int digit = Character.digit(b, 16);
                if (digit >= 0) {
                    if (remaining > (Long.MAX_VALUE >> 4)) {
                        throw new BadBody("a chunk size is too large");
                    }
                    remaining = remaining * 16 + digit;
                    sizeHasDigits = true;
                } else if (sizeHasDigits && (b == ';' || b == ' ' || b == '\t')) {
                    state = State.CHUNK_EXTENSION;
                } else if (sizeHasDigits && b == '\r') {
                    state = State.CHUNK_SIZE_LF;
                } else if (sizeHasDigits && b == '\n') {
                    chunkSizeRead();
                } else {
                    throw new BadBody("a chunk size is not a hexadecimal number");
                }
            }
            case CHUNK_EXTENSION -> {
                if (b == '\n') {
                    chunkSizeRead();
                }
            }
            case CHUNK_SIZE_LF -> {
                if (b != '\n') {
                    throw new BadBody("a chunk size line does not end in CRLF");
                }
                chunkSizeRead();
            }
            case CHUNK_DATA_CR -> {
                if (b == '\n') {
                    startChunk();
                } else if (b == '\r') {
                    state = State.CHUNK_DATA_LF;
                } else {
                    throw new BadBody("chunk data is not followed by CRLF");
                }
            }
            case CHUNK_DATA_LF -> {
                if (b != '\n') {
                    throw new BadBody("chunk data is not followed by CRLF");
                }
                startChunk();
            }
            case TRAILER -> trailerByte(b);
            default -> throw new IllegalStateException("not in chunk framing: " + state);
        }
    }

    private void chunkSizeRead() {
        if (remaining == 0) {
            state = State.TRAILER;
            trailerLine.setLength(0);
            trailerBytes = 0;
        } else {
            state = State.CHUNK_DATA;
        }
    }

    private void trailerByte(byte b) throws BadBody {
        if (++trailerBytes > LONGEST_TRAILER_BLOCK) {
            throw new BadBody("the trailer fields are larger than " + LONGEST_TRAILER_BLOCK + " bytes");
        }
        if (b != '\n') {
            trailerLine.append((char) (b & 0xff));
            return;
        }
        int length = trailerLine.length();
        if (length > 0 && trailerLine.charAt(length - 1) == '\r') {
            trailerLine.setLength(--length);
        }
        if (length == 0) {
            state = State.DONE;
            return;
        }
        int colon = trailerLine.indexOf(":");
        if (colon <= 0) {
            throw new BadBody("a trailer line has no name and colon");
        }
        if (trailers == null) {
            trailers = new ArrayList<>();
        }
        trailers.add(trailerLine.substring(0, colon).trim());
        trailers.add(trailerLine.substring(colon + 1).trim());
        trailerLine.setLength(0);
    }
}
