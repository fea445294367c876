package dev.apptap.proxy.engine;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Decides from the app's first bytes what it speaks, then hands the connection (and those bytes) to the
 * handlers for it: a TLS ClientHello goes to MITM (or passthrough), an HTTP/1.x request line to the HTTP
 * codecs, anything else to the raw TCP relay. Protocols in which the server speaks first (SMTP, SSH) send
 * nothing, so after {@code serverFirstWait} of silence a {@link ServerFirstProbe} connects upstream: if the
 * server acts first the connection is relayed as TCP, but an app that speaks first, however late (a pool that
 * pre-connects, a slow app, a loaded machine), is sniffed as usual.
 */
final class ProtocolSniffer extends ByteToMessageDecoder {

    static final String NAME = "protocol-sniffer";

    /** What the first bytes say. */
    enum Protocol { TLS, HTTP1, HTTP2_PRIOR_KNOWLEDGE, OTHER, UNDECIDED }

    private static final byte[] H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int LONGEST_METHOD = 16;
    /** A first line this long is left to the HTTP codec, which answers 414 with a sentence. */
    private static final int LONGEST_REQUEST_LINE = 16 * 1024;

    private final ConnectionContext connection;
    private final boolean insideTls;
    private ScheduledFuture<?> timer;
    private boolean decided;
    /** The app sent bytes that do not decide yet (a first line still arriving). */
    private boolean appSpoke;
    /** {@code serverFirstWait} passed without a byte from the app. */
    private boolean silencePassed;

    ProtocolSniffer(ConnectionContext connection, boolean insideTls) {
        this.connection = connection;
        this.insideTls = insideTls;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        startTimer(ctx);
        ctx.read();
    }

    /**
     * After {@code serverFirstWait}: bytes that still decide nothing are not HTTP or TLS (and their sender may be
     * waiting for an answer), while silence asks the server whether it speaks first.
     */
    private void startTimer(ChannelHandlerContext ctx) {
        long waitMillis = connection.runtime.settings().serverFirstWait().toMillis();
        timer = ctx.executor().schedule(() -> {
            timer = null;
            if (decided || !ctx.channel().isActive()) {
                return;
            }
            if (appSpoke) {
                route(ctx, Protocol.OTHER);
                return;
            }
            silencePassed = true;
            ServerFirstProbe.start(ctx, connection, () -> serverActedFirst(ctx));
        }, waitMillis, TimeUnit.MILLISECONDS);
    }

    private void serverActedFirst(ChannelHandlerContext ctx) {
        if (!decided && !appSpoke && !ctx.isRemoved()) {
            route(ctx, Protocol.OTHER);
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (decided || !in.isReadable()) {
            return;
        }
        Protocol protocol = detect(in, insideTls);
        if (protocol != Protocol.UNDECIDED) {
            route(ctx, protocol);
        } else if (!appSpoke) {
            appSpoke = true;
            if (timer == null) {
                startTimer(ctx);
            }
        }
    }

    /**
     * An app that hangs up without a byte after the silence made a TCP connection (the server may have seen it);
     * the TCP relay records it. One that hangs up sooner never reached anything and leaves no flow, as before.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!decided && silencePassed && !appSpoke && !internalBuffer().isReadable()) {
            route(ctx, Protocol.OTHER);
            return;
        }
        super.channelInactive(ctx);
    }

    private void route(ChannelHandlerContext ctx, Protocol protocol) {
        decided = true;
        connection.runtime.pipelines().install(ctx, connection, protocol, insideTls);
        // Removing a ByteToMessageDecoder passes the bytes it holds to the handlers just installed.
        ctx.pipeline().remove(this);
    }

    /** Classifies the first bytes; {@link Protocol#UNDECIDED} while they could still become either. */
    static Protocol detect(ByteBuf in, boolean insideTls) {
        int readable = in.readableBytes();
        if (readable == 0) {
            return Protocol.UNDECIDED;
        }
        int at = in.readerIndex();
        int first = in.getUnsignedByte(at);
        if (!insideTls && first == 0x16) {
            if (readable < 3) {
                return Protocol.UNDECIDED;
            }
            return in.getUnsignedByte(at + 1) == 3 ? Protocol.TLS : Protocol.OTHER;
        }
        if (first == 'P' && startsWith(in, H2_PREFACE)) {
            return readable >= H2_PREFACE.length ? Protocol.HTTP2_PRIOR_KNOWLEDGE : Protocol.UNDECIDED;
        }
        // An HTTP/1 request line is a method token (upper-case letters), a space, a target, a space and
        // "HTTP/1.x". Line protocols (SMTP's EHLO, Redis' PING) start alike, so the whole line decides.
        for (int i = 0; i < Math.min(readable, LONGEST_METHOD + 1); i++) {
            int c = in.getUnsignedByte(at + i);
            if (c == ' ') {
                if (i < 3) {
                    return Protocol.OTHER;
                }
                return requestLineEndsWithHttpVersion(in);
            }
            if (c < 'A' || c > 'Z') {
                return Protocol.OTHER;
            }
        }
        return readable > LONGEST_METHOD ? Protocol.OTHER : Protocol.UNDECIDED;
    }

    /** HTTP1 once the first line ends in {@code HTTP/1.x}, OTHER if it ends otherwise, UNDECIDED until it ends. */
    private static Protocol requestLineEndsWithHttpVersion(ByteBuf in) {
        int end = in.forEachByte(in.readerIndex(), Math.min(in.readableBytes(), LONGEST_REQUEST_LINE),
                ByteProcessor.FIND_LF);
        if (end < 0) {
            return in.readableBytes() >= LONGEST_REQUEST_LINE ? Protocol.HTTP1 : Protocol.UNDECIDED;
        }
        int lineEnd = end > in.readerIndex() && in.getByte(end - 1) == '\r' ? end - 1 : end;
        int versionStart = lineEnd - "HTTP/1.x".length();
        if (versionStart <= in.readerIndex()) {
            return Protocol.OTHER;
        }
        String version = in.toString(versionStart, "HTTP/1.x".length(), StandardCharsets.US_ASCII);
        return version.startsWith("HTTP/1.") ? Protocol.HTTP1 : Protocol.OTHER;
    }

    private static boolean startsWith(ByteBuf in, byte[] prefix) {
        int n = Math.min(in.readableBytes(), prefix.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
