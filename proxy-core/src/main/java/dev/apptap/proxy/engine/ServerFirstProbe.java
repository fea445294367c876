package dev.apptap.proxy.engine;

import dev.apptap.proxy.rules.RuleSet;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;

/**
 * Learns, once the app has been silent for {@code serverFirstWait}, whether the server speaks first (SMTP and SSH
 * send a banner and wait): it opens the upstream connection the relay will need, or watches the one opened during
 * the app's TLS handshake, and reports when the server sends its first bytes, hangs up, or cannot be reached.
 * Until then the app may still speak first, however late, and the relay its bytes call for takes the connection
 * over, so the server sees one connection either way.
 */
final class ServerFirstProbe {

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
                held.onServerAct(serverFirst);
                connected.getNow().read();
            }
        });
        return true;
    }
}
