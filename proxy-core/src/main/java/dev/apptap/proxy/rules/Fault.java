package dev.apptap.proxy.rules;

import java.time.Duration;
import java.util.Objects;

/**
 * Something going wrong on the wire, done on purpose to test how an app copes: a reset, a cut-off body, a slow or
 * garbled response, a failed TLS handshake, a server that never answers. A fault goes on a stub's answer, on a route
 * or on traffic that passes through, and the flow records what apptap did ({@code HttpFlow.fault()}).
 *
 * <pre>{@code
 * import static dev.apptap.proxy.rules.Actions.*;
 * import static dev.apptap.proxy.rules.Fault.*;
 *
 * stubs.on(get("https://api.example.test/x")).respond(respond(200).withBody(body).withFault(closeAfterBodyBytes(512)));
 * stubs.on(get("https://api.example.test/x")).respond(respond(200).withFault(connectionReset()));
 * stubs.on(anyRequestTo("api.example.test")).passThroughWith(throttle(1024));      // the real server, slowly
 * stubs.on(anyRequestTo("api.example.test")).forwardTo(forwardTo("127.0.0.1", 8089).withFault(hang()));
 * stubs.on(anyRequestTo("api.example.test")).passThroughWith(tlsHandshakeFailure());
 * }</pre>
 *
 * <p>Over HTTP/2 a fault touches only its request's stream where it can: {@link #closeBeforeBody()} and
 * {@link #closeAfterBodyBytes} reset the stream, {@link #delay} and {@link #hang()} hold it; {@link #connectionReset()}
 * resets the whole connection. {@link #throttle} and {@link #malformedResponse()} have no per-stream meaning in h2
 * and become a stream reset there, which the flow says.
 *
 * <p>Immutable; equal when kind and amount are.
 */
public final class Fault {

    /** What goes wrong. */
    public enum Kind {
        /** A TCP reset (RST) instead of the response. */
        CONNECTION_RESET,
        /** The response head, then the connection closes. */
        CLOSE_BEFORE_BODY,
        /** The response head and the first {@link #amount()} bytes of the body, then the connection closes. */
        CLOSE_AFTER_BODY_BYTES,
        /** The response waits {@link #amount()} milliseconds, then goes out whole. */
        DELAY,
        /** The response goes out at {@link #amount()} bytes per second. */
        THROTTLE,
        /** Bytes that are not HTTP instead of the response, then the connection closes. */
        MALFORMED_RESPONSE,
        /** The app's TLS handshake ends with a fatal handshake_failure alert, for every host the rule names. */
        TLS_HANDSHAKE_FAILURE,
        /** Nothing is sent and the connection stays open until the app gives up. */
        HANG
    }

    private final Kind kind;
    private final long amount;

    private Fault(Kind kind, long amount) {
        this.kind = kind;
        this.amount = amount;
    }

    /** Resets the app's connection (TCP RST) instead of answering: {@code Connection reset by peer} in the app. */
    public static Fault connectionReset() {
        return new Fault(Kind.CONNECTION_RESET, 0);
    }

    /** Sends the response head, then closes the connection: the app waits for a body that never comes. */
    public static Fault closeBeforeBody() {
        return new Fault(Kind.CLOSE_BEFORE_BODY, 0);
    }

    /**
     * Sends the head and the first {@code bytes} bytes of the body as they go on the wire (chunk framing included),
     * then closes the connection: curl says {@code transfer closed with N bytes remaining}. A shorter body goes
     * out whole and the connection closes after it.
     */
    public static Fault closeAfterBodyBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("closeAfterBodyBytes(" + bytes + ") needs a count of 0 or more");
        }
        return new Fault(Kind.CLOSE_AFTER_BODY_BYTES, bytes);
    }

    /** Holds the whole response back this long, then sends it (a stub's own {@code withDelay} adds to it). */
    public static Fault delay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay(" + delay + ") is negative");
        }
        return new Fault(Kind.DELAY, delay.toMillis());
    }

    /** Sends the response (head and body) at this many bytes per second, in slices ten times a second. */
    public static Fault throttle(long bytesPerSecond) {
        if (bytesPerSecond < 1) {
            throw new IllegalArgumentException("throttle(" + bytesPerSecond + ") needs at least 1 byte per second");
        }
        return new Fault(Kind.THROTTLE, bytesPerSecond);
    }

    /** Sends bytes that are not an HTTP response instead of the response, then closes the connection. */
    public static Fault malformedResponse() {
        return new Fault(Kind.MALFORMED_RESPONSE, 0);
    }

    /**
     * Ends the app's TLS handshake with a fatal {@code handshake_failure} alert, for every host the rule's pattern
     * names (the request is not known yet at that point, only the host): curl exits with code 35.
     */
    public static Fault tlsHandshakeFailure() {
        return new Fault(Kind.TLS_HANDSHAKE_FAILURE, 0);
    }

    /**
     * Sends nothing and keeps the connection open until the app gives up (its timeout); apptap then lets the
     * connection go. Over h2 only the request's stream hangs.
     */
    public static Fault hang() {
        return new Fault(Kind.HANG, 0);
    }

    public Kind kind() {
        return kind;
    }

    /** The bytes of {@link Kind#CLOSE_AFTER_BODY_BYTES}, the milliseconds of {@link Kind#DELAY}, the bytes per
     * second of {@link Kind#THROTTLE}; 0 for the others. */
    public long amount() {
        return amount;
    }

    /** {@link Kind#DELAY}'s wait. */
    public Duration delay() {
        return kind == Kind.DELAY ? Duration.ofMillis(amount) : Duration.ZERO;
    }

    /** One phrase for messages: {@code reset the connection}, {@code close after 512 body bytes}. */
    public String describe() {
        return switch (kind) {
            case CONNECTION_RESET -> "reset the connection";
            case CLOSE_BEFORE_BODY -> "close before the body";
            case CLOSE_AFTER_BODY_BYTES -> "close after " + amount + " body bytes";
            case DELAY -> "delay " + amount + " ms";
            case THROTTLE -> "throttle to " + amount + " B/s";
            case MALFORMED_RESPONSE -> "send a malformed response";
            case TLS_HANDSHAKE_FAILURE -> "fail the TLS handshake";
            case HANG -> "hang";
        };
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Fault fault && fault.kind == kind && fault.amount == amount;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Long.hashCode(amount);
    }

    @Override
    public String toString() {
        return describe();
    }
}
