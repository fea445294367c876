package dev.apptap.proxy.engine;

import dev.apptap.flow.WebSocketMessage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;

/**
 * An HTTP/1 connection after a 101: both sides speak another protocol, so bytes go through as they are. For a
 * WebSocket, each side's frames are also parsed on the side and recorded on the exchange as messages.
 */
final class UpgradedTunnel {

    private final WebSocketObserver fromApp;
    private final WebSocketObserver fromServer;

    private UpgradedTunnel(WebSocketObserver fromApp, WebSocketObserver fromServer) {
        this.fromApp = fromApp;
        this.fromServer = fromServer;
    }

    /** The tunnel after {@code exchange} was upgraded; WebSocket messages are recorded up to {@code limit} bytes. */
    static UpgradedTunnel after(HttpExchange exchange, int limit) {
        if (exchange == null || !exchange.isWebSocket()) {
            return new UpgradedTunnel(null, null);
        }
        WebSocketObserver fromApp = new WebSocketObserver(WebSocketMessage.Direction.FROM_APP, limit,
                exchange::webSocketMessage);
        WebSocketObserver fromServer = new WebSocketObserver(WebSocketMessage.Direction.FROM_SERVER, limit,
                exchange::webSocketMessage);
        String extensions = exchange.agreedWebSocketExtensions();
        if (extensions.contains("permessage-deflate")) {
            fromApp.permessageDeflate(extensions.contains("client_no_context_takeover"));
            fromServer.permessageDeflate(extensions.contains("server_no_context_takeover"));
        }
        return new UpgradedTunnel(fromApp, fromServer);
    }

    /** Bytes from the server, before they go to the app. */
    void fromServer(ByteBuf bytes) {
        if (fromServer != null) {
            fromServer.observe(bytes);
        }
    }

    /**
     * Sends the app's bytes to {@code upstream}; the app is read again once they are written.
     *
     * @param failed runs when they cannot be written
     */
    void fromApp(ByteBuf bytes, Channel upstream, ChannelHandlerContext app, Runnable failed) {
        if (upstream == null || !upstream.isActive()) {
            bytes.release();
            return;
        }
        if (fromApp != null) {
            fromApp.observe(bytes);
        }
        upstream.writeAndFlush(bytes).addListener((ChannelFutureListener) written -> {
            if (written.isSuccess()) {
                app.read();
            } else {
                failed.run();
            }
        });
    }
}
