package dev.apptap.proxy.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 origin on loopback, plain or TLS, for the engine to relay to. Routes:
 * <ul>
 *   <li>{@code GET /hello}: 200 {@value #HELLO}</li>
 *   <li>{@code POST|PUT /echo}: the request body streamed back with the same content type (and length, when the
 *       request had one); memory stays flat whatever the size</li>
 *   <li>{@code POST|PUT /echo-size}: "{@code <bytes> <sha256 hex>}" of the body, also in X-Received-Bytes and
 *       X-Received-Sha256</li>
 *   <li>{@code GET /bytes/{n}}: n bytes of {@link BytePattern} with Content-Length, streamed with backpressure</li>
 *   <li>{@code GET /chunked/{n}}: the same, chunked, with trailer {@code X-Checksum} (SHA-256 hex)</li>
 *   <li>{@code GET /redirect/{k}}: 302 to {@code /redirect/{k-1}}, the last one to {@code /hello}</li>
 *   <li>{@code GET /status/{code}}: that status (200..599)</li>
 *   <li>{@code GET /gzip}: {@link #GZIP_JSON} gzip-encoded with Content-Encoding gzip</li>
 *   <li>{@code GET /headers}: the request headers as a JSON object (repeated names joined by ", ")</li>
 *   <li>{@code GET /slow/{ms}}: 200 after the delay</li>
 *   <li>{@code GET /close}: closes the connection without answering</li>
 * </ul>
 * Keep-alive and pipelining work; every request head is recorded.
 */
public final class OriginServer implements AutoCloseable {

    public static final String HELLO = "hello from origin";
    public static final String GZIP_JSON = "{\"gzipped\":true,\"message\":\"hello from origin\"}";

    private final Channel serverChannel;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger connectionCount = new AtomicInteger();
    private final boolean tls;

    private OriginServer(Builder builder) {
        this.tls = builder.sslContext != null;
        SslContext sslContext = builder.sslContext;
        serverChannel = new ServerBootstrap()
                .group(TestEventLoops.GROUP)
                .channel(TestEventLoops.SERVER_CHANNEL)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        int connection = connectionCount.incrementAndGet();
                        connections.add(channel);
                        ChannelPipeline pipeline = channel.pipeline();
                        if (sslContext != null) {
                            pipeline.addLast("tls", sslContext.newHandler(channel.alloc()));
                        }
                        pipeline.addLast("http", new HttpServerCodec());
                        pipeline.addLast("record", new RequestRecorder(connection, requests::add));
                        pipeline.addLast("in-order", new InOrderExchanges());
                        pipeline.addLast("expect-continue", new HttpServerExpectContinueHandler());
                        pipeline.addLast("chunked-write", new ChunkedWriteHandler());
                        pipeline.addLast("routes", new OriginRoutes());
                    }
                })
                .bind(builder.address, 0)
                .syncUninterruptibly()
                .channel();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A plain HTTP origin on 127.0.0.1. */
    public static OriginServer start() {
        return builder().start();
    }

    /** An HTTPS origin on 127.0.0.1 with {@link TestPki}'s default server certificate. */
    public static OriginServer startTls() {
        return builder().tls().start();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    public boolean isTls() {
        return tls;
    }

    public String scheme() {
        return tls ? "https" : "http";
    }

    /** {@code http(s)://127.0.0.1:PORT/path} (or {@code [::1]}), the path with or without its leading slash. */
    public String url(String path) {
        InetAddress ip = address().getAddress();
        String literal = NetUtil.toAddressString(ip);
        return url(ip instanceof Inet6Address ? "[" + literal + "]" : literal, path);
    }

    /** The same URL with {@code host} (e.g. {@code localhost} or {@code upstream.test}) instead of the IP. */
    public String url(String host, String path) {
        return scheme() + "://" + host + ":" + port() + (path.startsWith("/") ? path : "/" + path);
    }

    /** Every request head seen so far, in arrival order. */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** Connections accepted so far (including ones whose TLS handshake failed). */
    public int connectionCount() {
        return connectionCount.get();
    }

    /** Closes the listener and every open connection. */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
    }

    @Override
    public String toString() {
        return "OriginServer " + url("");
    }

    public static final class Builder {

        private InetAddress address = InetAddress.getLoopbackAddress();
        private SslContext sslContext;

        private Builder() {
        }

        /** Binds to ::1 instead of 127.0.0.1. */
        public Builder ipv6() {
            return bind(loopbackIpv6());
        }

        public Builder bind(InetAddress address) {
            if (!address.isLoopbackAddress()) {
                throw new IllegalArgumentException("Test servers bind to loopback only, but " + address + " is not a loopback address.");
            }
            this.address = address;
            return this;
        }

        /** Serves TLS with {@link TestPki}'s default server certificate. */
        public Builder tls() {
            return tls(TestPki.get().serverCertificate());
        }

        /** Serves TLS with {@code certificate}, e.g. {@link TestPki#untrustedSelfSigned()} or {@link TestPki#expired()}. */
        public Builder tls(TestPki.ServerCertificate certificate) {
            return tls(certificate.serverContext());
        }

        public Builder tls(SslContext serverContext) {
            if (!serverContext.isServer()) {
                throw new IllegalArgumentException("The TLS context of a test server must be a server context.");
            }
            this.sslContext = serverContext;
            return this;
        }

        public OriginServer start() {
            return new OriginServer(this);
        }
    }

    static InetAddress loopbackIpv6() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError("A 16-byte address is always valid.", e);
        }
    }
}
