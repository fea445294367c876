package dev.apptap.proxy.engine;

import dev.apptap.proxy.rules.RuleSet;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import java.util.List;

/**
 * Learns, once the app has been silent for {@code serverFirstWait}, whether the server speaks first (SMTP and SSH
 * send a banner and wait): it opens the upstream connection the relay will need, or watches the one opened during
 * the app's TLS handshake, and reports when the server sends its first bytes, hangs up, or cannot be reached.
 * Until then the app may still speak first, however late, and the relay its bytes call for takes the connection
 * over, so the server sees one connection either way.
 *
 * <p>An HTTP/2 server sends its SETTINGS as soon as a connection opens, before its client's preface (RFC 9113,
 * section 3.4): that is not a server-first protocol but a server waiting for its client, so it decides nothing.
 */
final class ServerFirstProbe {

    private static final int FRAME_HEADER = 9;
    private static final int SETTINGS = 0x4;
    private static final int WINDOW_UPDATE = 0x8;

    private ServerFirstProbe() {
    }

    /**
     * @param serverFirst run on the app's event loop when the server acts first; the relay that follows takes the
     *                    connection (and any failure to open it) from {@link ConnectionContext#takeConnectingInAdvance}
     * @return false when apptap must not ask the upstream (offline, or a host that rules answer), so only the app's
     *         own bytes or hang-up can decide
     */
    static boolean start(ChannelHandlerContext ctx, ConnectionContext connection, Runnable serverFirst) {
        Future<Channel> upstream = connection.connectingInAdvance();
        if (upstream == null) {
            RuleSet rules = connection.runtime.settings().rules();
            if (rules.isOffline() || rules.matchesHost(connection.host)) {
                return false;
            }
            boolean tls = connection.isTls() && !connection.tls.passthrough();
            UpstreamTarget target = new UpstreamTarget(connection.host, connection.port, connection.originalAddress,
                    tls, UpstreamTarget.only(tls ? connection.tls.alpn() : ""));
            upstream = connection.runtime.connector().connect(ctx.channel().eventLoop(), target,
                    () -> new ChannelHandler[]{new HeldInbound()});
            connection.connectingInAdvance(ctx.channel(), upstream);
        }
        upstream.addListener((Future<Channel> connected) -> {
            if (!connected.isSuccess()) {
                serverFirst.run();
                return;
            }
            HeldInbound held = connected.getNow().pipeline().get(HeldInbound.class);
            if (held != null) {
                watch(connected.getNow(), held, serverFirst);
            }
        });
        return true;
    }

    private static void watch(Channel upstream, HeldInbound held, Runnable serverFirst) {
        if (held.serverHungUp() || !held.held().isEmpty() && !isHttp2ServerPreface(held.held())) {
            serverFirst.run();
            return;
        }
        held.whenServerActs(() -> watch(upstream, held, serverFirst));
        upstream.read();
    }

    /** Whether {@code received} is nothing but HTTP/2 connection-level SETTINGS and WINDOW_UPDATE frames (so far). */
    static boolean isHttp2ServerPreface(List<Object> received) {
        int frameLeft = 0;
        int headerSeen = 0;
        byte[] header = new byte[FRAME_HEADER];
        for (Object message : received) {
            if (!(message instanceof ByteBuf bytes)) {
                return false;
            }
            for (int i = bytes.readerIndex(); i < bytes.writerIndex(); i++) {
                if (frameLeft > 0) {
                    frameLeft--;
                    continue;
                }
                header[headerSeen++] = bytes.getByte(i);
                if (headerSeen == FRAME_HEADER) {
                    int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
                    int type = header[3] & 0xff;
                    int stream = (header[5] & 0x7f) << 24 | (header[6] & 0xff) << 16 | (header[7] & 0xff) << 8
                            | header[8] & 0xff;
                    boolean connectionLevel = type == SETTINGS && length % 6 == 0 || type == WINDOW_UPDATE && length == 4;
                    if (!connectionLevel || stream != 0) {
                        return false;
                    }
                    frameLeft = length;
                    headerSeen = 0;
                }
            }
        }
        // A frame header still arriving: its first byte (the length's high byte) is 0 for these small frames, which
        // no text banner starts with; once its type has arrived, that decides.
        return headerSeen == 0 || header[0] == 0 && (headerSeen < 4 || header[3] == SETTINGS || header[3] == WINDOW_UPDATE);
    }
}
