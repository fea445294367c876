package dev.apptap.proxy.testing;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * One event loop group for every test server in the JVM. Test servers never block their loops, so sharing is
 * safe, and it spares each of hundreds of short-lived servers its own threads and epoll descriptors. The
 * threads are daemons so a test that forgets to close a server cannot keep the JVM alive.
 */
final class TestEventLoops {

    static final boolean EPOLL = Epoll.isAvailable();
    static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(
            Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors())),
            new DefaultThreadFactory("apptap-test-server", true),
            EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    static final Class<? extends ServerChannel> SERVER_CHANNEL = EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;

    private TestEventLoops() {
    }
}
