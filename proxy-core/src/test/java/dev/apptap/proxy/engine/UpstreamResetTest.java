package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.testing.ClientResult;
import dev.apptap.proxy.testing.Clients;
import dev.apptap.proxy.testing.TestPki;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstreams that die halfway through a response: curl gets a clear failure (not a hang, not a silently short body
 * reported as success), and the flow keeps what arrived and says which server broke off.
 */
@Timeout(120)
class UpstreamResetTest {

    private static final int PROMISED = 100_000;
    private static final int SENT = 4_000;

    @TempDir
    static Path dir;

    static EngineFixture apptap;
    static EventLoopGroup h2Loops;

    @BeforeAll
    static void start() {
        Clients.assumeInstalled("curl");
        apptap = EngineFixture.start(dir.resolve("trust"));
        h2Loops = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("reset-origin", true), NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        if (apptap != null) {
            apptap.close();
        }
        if (h2Loops != null) {
            h2Loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void anHttp1UpstreamThatResetsMidBodyFailsTheAppAndTheFlowSaysWhichServer() throws Exception {
        try (ResettingHttp1Origin origin = new ResettingHttp1Origin()) {
            String url = "http://127.0.0.1:" + origin.port() + "/reset-mid-body";

            ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", "-o", "/dev/null", "--max-time", "30", url);

            assertThat(curl.exitCode()).as("curl must see a broken transfer, not success: %s", curl).isNotZero().isNotEqualTo(28);
            HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/reset-mid-body") && f.isComplete());
            assertThat(flow.response().orElseThrow().status()).isEqualTo(200);
            assertThat(flow.response().orElseThrow().body().size()).isBetween(1L, (long) SENT);
            FlowError error = flow.error().orElseThrow();
            assertThat(error.kind()).isIn(FlowError.Kind.UPSTREAM_PROTOCOL, FlowError.Kind.UPSTREAM_FAILED);
            assertThat(error.message()).contains("127.0.0.1:" + origin.port()).contains("/reset-mid-body");
        }
    }

    @Test
    void anHttp2UpstreamThatResetsAStreamMidBodyFailsThatStreamAndTheFlowSaysSo() throws Exception {
        Channel origin = startH2Origin();
        try {
            int port = ((InetSocketAddress) origin.localAddress()).getPort();
            String url = "https://localhost:" + port + "/rst-stream";

            ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", "--http2", "-o", "/dev/null",
                    "--max-time", "30", url);

            assertThat(curl.exitCode()).as("curl must see the stream fail: %s", curl).isNotZero().isNotEqualTo(28);
            HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/rst-stream") && f.isComplete());
            assertThat(flow.request().version()).isEqualTo("HTTP/2");
            assertThat(flow.response().orElseThrow().status()).isEqualTo(200);
            assertThat(flow.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.UPSTREAM_PROTOCOL);
            assertThat(flow.error().orElseThrow().message())
                    .contains("localhost:" + port + "/rst-stream").contains("reset the HTTP/2 stream (INTERNAL_ERROR)");
        } finally {
            origin.close().sync();
        }
    }

    @Test
    void anHttp2UpstreamWhoseConnectionResetsMidStreamFailsTheStreamAndTheFlowSaysSo() throws Exception {
        Channel origin = startH2Origin();
        try {
            int port = ((InetSocketAddress) origin.localAddress()).getPort();
            String url = "https://localhost:" + port + "/tcp-reset";

            ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", "--http2", "-o", "/dev/null",
                    "--max-time", "30", url);

            assertThat(curl.exitCode()).as("curl must see the stream fail: %s", curl).isNotZero().isNotEqualTo(28);
            HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/tcp-reset") && f.isComplete());
            assertThat(flow.response().orElseThrow().status()).isEqualTo(200);
            FlowError error = flow.error().orElseThrow();
            assertThat(error.kind()).isIn(FlowError.Kind.UPSTREAM_PROTOCOL, FlowError.Kind.UPSTREAM_FAILED);
            assertThat(error.message()).contains("/tcp-reset");
        } finally {
            origin.close().sync();
        }
    }

    /** Promises {@value #PROMISED} bytes, sends {@value #SENT}, then resets the connection (SO_LINGER 0). */
    private static final class ResettingHttp1Origin implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        private final Thread thread = new Thread(this::serve, "resetting-origin");

        ResettingHttp1Origin() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    InputStream in = socket.getInputStream();
                    byte[] head = new byte[8192];
                    int n = 0;
                    while (n < head.length && !new String(head, 0, n, StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                        int r = in.read(head, n, head.length - n);
                        if (r < 0) {
                            break;
                        }
                        n += r;
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + PROMISED
                            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    byte[] part = new byte[SENT];
                    Arrays.fill(part, (byte) 'x');
                    out.write(part);
                    out.flush();
                    Thread.sleep(200);
                    socket.setSoLinger(true, 0); // close() now sends RST instead of FIN
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /**
     * An HTTP/2 origin over TLS (ALPN h2) whose streams send a 200 head and some data, then either RST_STREAM
     * ({@code /rst-stream}) or reset the whole TCP connection ({@code /tcp-reset}).
     */
    private static Channel startH2Origin() throws Exception {
        SslContext tls = TestPki.get().serverCertificate().serverContextBuilder()
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                .build();
        return new ServerBootstrap().group(h2Loops).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(tls.newHandler(channel.alloc()),
                                Http2FrameCodecBuilder.forServer().build(), new BreakingStreams());
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    private static final class BreakingStreams extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame headers && headers.isEndStream()) {
                    String path = headers.headers().path().toString();
                    var stream = ((Http2StreamFrame) msg).stream();
                    ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                            .setInt("content-length", PROMISED)).stream(stream));
                    byte[] part = new byte[SENT];
                    Arrays.fill(part, (byte) 'y');
                    ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(part), false).stream(stream));
                    ctx.executor().schedule(() -> {
                        if (path.equals("/tcp-reset")) {
                            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
                            ctx.channel().close();
                        } else {
                            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR).stream(stream));
                        }
                    }, Duration.ofMillis(200).toMillis(), TimeUnit.MILLISECONDS);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }
}
