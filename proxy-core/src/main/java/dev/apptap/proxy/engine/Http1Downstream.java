package dev.apptap.proxy.engine;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;

/**
 * What an {@link Http1ServerSide} passes an HTTP/1 response to: the app's HTTP/1 connection ({@link Http1Relay}), or
 * an app's HTTP/2 stream that a route sends to an HTTP/1.1 server ({@link Http2RoutedFrames}).
 */
interface Http1Downstream {

    /** The exchange the response belongs to; {@code null} before the first request. */
    HttpExchange exchange();

    /** Where the response goes; messages written here reach the app. */
    ChannelHandlerContext appContext();

    /** The response head arrived: the upstream is answering. */
    void responseArrived();

    /** The server will close after this response (no keep-alive). */
    void markCloseAfterResponse();

    /** The response's last part was written to the app. */
    void responseFinished(ChannelFuture written);

    /** The server accepted an upgrade (101): from now on both sides speak another protocol. */
    void switchToRawRelay();

    /** Bytes of the upgraded protocol from the server, before they go to the app. */
    void observeFromServer(ByteBuf bytes);

    /** The upstream connection {@code channel} closed. */
    void upstreamClosed(Channel channel);
}
