package dev.apptap.flow;

import java.time.Duration;
import java.util.Objects;

/**
 * One WebSocket message of an upgraded HTTP flow, as it passed.
 *
 * @param direction  who sent it
 * @param type       text, binary, ping, pong or close
 * @param payload    the payload (unmasked, as the receiver saw it), up to the recording limit; decode it yourself
 *                   if a compression extension was agreed
 * @param size       the payload's full size
 * @param closeCode  for a close message, its status code (1000 normal …), else -1
 * @param at         when it passed, relative to the flow's start
 */
public record WebSocketMessage(Direction direction, Type type, Body payload, long size, int closeCode, Duration at) {

    public WebSocketMessage {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(at, "at");
    }

    /** The payload as UTF-8 text (for text messages; for close messages, the reason). */
    public String text() {
        return payload.text();
    }

    /** Who sent a message. */
    public enum Direction { FROM_APP, FROM_SERVER }

    /** The WebSocket opcode of a message. */
    public enum Type { TEXT, BINARY, PING, PONG, CLOSE }
}
