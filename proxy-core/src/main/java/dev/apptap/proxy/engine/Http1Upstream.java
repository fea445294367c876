package dev.apptap.proxy.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * The HTTP/1.1 connection to the upstream that one app connection (or one routed h2 stream) relays its requests over:
 * opened per target, reused while the next request goes to the same target, and replaced when it does not. What the
 * app sends while the connection is opening waits here; writes made during one read of the app's socket go out with
 * one flush at its end.
 */
final class Http1Upstream {

    /** What the relay hears from its upstream connection. */
    interface Events {
        /** A message went upstream: the app may be read again. */
        void upstreamWritten();

        /** A message could not be written upstream. */
        void upstreamWriteFailed(UpstreamTarget target, Throwable cause);

        /** The connection to {@code target} could not be opened; what waited for it is released. */
        void upstreamConnectFailed(UpstreamTarget target, Throwable cause);

        /** Whether the app's side is gone, so a connection that opens now is not needed. */
        boolean appGone();
    }

    private final Dialer dialer;
    private final EventLoop loop;
    private final Http1Downstream downstream;
    private final Events events;
    private final Supplier<ChannelHandler[]> handlers;
    private final ArrayDeque<Object> awaitingConnection = new ArrayDeque<>();
    private Channel channel;
    private UpstreamTarget target;
    private boolean connecting;
    private boolean inAppRead;
    private boolean flushPending;

    Http1Upstream(Dialer dialer, EventLoop loop, Http1Downstream downstream, Events events) {
        this(dialer, loop, downstream, events, null);
    }

    /**
     * @param handlers the upstream channel's handlers; {@code null} for Netty's client codec and an
     *                 {@link Http1ServerSide}, which take {@link HttpObject}s
     */
    Http1Upstream(Dialer dialer, EventLoop loop, Http1Downstream downstream, Events events,
                  Supplier<ChannelHandler[]> handlers) {
        this.dialer = dialer;
        this.loop = loop;
        this.downstream = downstream;
        this.events = events;
        this.handlers = handlers;
    }

    /** Whether the open connection can carry a request for {@code next}. */
    boolean serves(UpstreamTarget next) {
        return channel != null && channel.isActive() && next.sameConnectionAs(target);
    }

    /**
     * Replaces the connection with one to {@code next}.
     *
     * @param inAdvance the connection opened during the app's handshake, or {@code null} to open one now
     */
    void open(UpstreamTarget next, Future<Channel> inAdvance) {
        close();
        target = next;
        connecting = true;
        if (inAdvance == null) {
            connectNow(next);
            return;
        }
        // opened during the app's handshake (and, for h2 offers, the server chose HTTP/1.1): use that connection
        inAdvance.addListener((Future<Channel> connected) -> {
            if (connected.isSuccess() && !connected.getNow().isActive()) {
                connectNow(next); // the server hung up before the app's request came
                return;
            }
            if (connected.isSuccess()) {
                HeldInbound.installAndRelease(connected.getNow(), handlers());
            }
            connected(next, connected);
        });
    }

    private void connectNow(UpstreamTarget next) {
        dialer.connect(loop, next, this::handlers).addListener((Future<Channel> done) -> connected(next, done));
    }

    private ChannelHandler[] handlers() {
        if (handlers != null) {
            return handlers.get();
        }
        return new ChannelHandler[]{new HttpClientCodec(), new Http1ServerSide(downstream)};
    }

    private void connected(UpstreamTarget next, Future<Channel> done) {
        if (next != target) {
            if (done.isSuccess()) {
                done.getNow().close(); // the relay moved on to another target meanwhile
            }
            return;
        }
        connecting = false;
        if (!done.isSuccess()) {
            releaseWaiting();
            events.upstreamConnectFailed(next, done.cause());
            return;
        }
        channel = done.getNow();
        if (events.appGone()) {
            channel.close();
            return;
        }
        while (!awaitingConnection.isEmpty()) {
            write(awaitingConnection.poll());
        }
        channel.flush();
        channel.read();
    }

    /**
     * Sends {@code message} (an {@link HttpObject}, or bytes for the byte relay's handlers), or keeps it until the
     * connection is open.
     */
    void send(Object message) {
        send(message, message instanceof HttpRequest);
    }

    /** @param startsRequest whether a response to {@code message} is due, so the connection is read */
    void send(Object message, boolean startsRequest) {
        if (connecting || channel == null) {
            awaitingConnection.add(message);
            return;
        }
        write(message);
        if (inAppRead) {
            flushPending = true;
        } else {
            channel.flush();
        }
        if (startsRequest) {
            channel.read();
        }
    }

    private void write(Object message) {
        UpstreamTarget writtenTo = target;
        channel.write(message).addListener((ChannelFutureListener) written -> {
            if (written.isSuccess()) {
                events.upstreamWritten();
            } else {
                events.upstreamWriteFailed(writtenTo, written.cause());
            }
        });
    }

    /** Whether messages still wait for the connection, so the app is not read further yet. */
    boolean busy() {
        return connecting || !awaitingConnection.isEmpty();
    }

    /** The app's socket is being read: writes wait for {@link #appReadComplete()} to flush once. */
    void appReadStarted() {
        inAppRead = true;
    }

    /** A request's head and body that arrived in one read go upstream in one flush (one TLS record, one segment). */
    void appReadComplete() {
        inAppRead = false;
        if (flushPending) {
            flushPending = false;
            if (channel != null) {
                channel.flush();
            }
        }
    }

    /** The open connection, or {@code null}. */
    Channel channel() {
        return channel;
    }

    UpstreamTarget target() {
        return target;
    }

    /** Forgets {@code closed} if it is the current connection; true when it was. */
    boolean lost(Channel closed) {
        if (closed != channel) {
            return false;
        }
        channel = null;
        return true;
    }

    void close() {
        if (channel != null) {
            Channel old = channel;
            channel = null;
            old.close();
        }
    }

    /** Releases what waited for a connection that will not come. */
    void releaseWaiting() {
        while (!awaitingConnection.isEmpty()) {
            ReferenceCountUtil.release(awaitingConnection.poll());
        }
    }
}
