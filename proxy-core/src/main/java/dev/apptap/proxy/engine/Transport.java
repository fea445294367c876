package dev.apptap.proxy.engine;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;

/**
 * Epoll where the native transport loads (Linux), NIO elsewhere. The transparent listener needs epoll,
 * because reading {@code SO_ORIGINAL_DST} needs the accepted socket's file descriptor.
 */
enum Transport {
    EPOLL(EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class),
    NIO(NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);

    private final IoHandlerFactory ioHandlerFactory;
    final Class<? extends ServerChannel> serverChannel;
    final Class<? extends Channel> clientChannel;

    Transport(IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel,
              Class<? extends Channel> clientChannel) {
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverChannel = serverChannel;
        this.clientChannel = clientChannel;
    }

    static Transport best() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, ioHandlerFactory);
    }

    /** Why epoll is unavailable, as a sentence, for errors about the transparent listener. */
    static String epollUnavailableReason() {
        Throwable cause = Epoll.unavailabilityCause();
        return "Netty's epoll transport is not available on this machine (" + (cause == null ? "unknown cause" : cause.getMessage())
                + "); the transparent listener needs it to read each connection's original destination.";
    }
}
