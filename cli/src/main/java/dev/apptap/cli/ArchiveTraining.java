package dev.apptap.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.LeafCertificate;
import dev.apptap.proxy.ca.LeafCertificates;
import dev.apptap.proxy.har.HarStream;
import dev.apptap.proxy.redirect.InterceptScope;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import dev.apptap.proxy.redirect.RedirectorProvider;
import dev.apptap.proxy.session.InterceptionSession;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine;

/**
 * The work {@code ./apptap} runs once per build, inside a JVM that archives its classes at exit (JDK 17's dynamic
 * class-data-sharing archive), so that every later {@code run} and {@code watch} maps those classes instead of loading
 * and verifying them. It exists because the archive holds only what the dumping JVM loaded: archived at the end of a
 * user's {@code apptap run -- true}, it lacked the relays, TLS, Jackson and the redirector's classes that a real flow
 * needs, so each command still loaded about 900 classes from the jar while the app waited.
 *
 * <p>It does what {@code run} and {@code watch} do, but on loopback only and with a throwaway CA in a temporary
 * directory (never the user's CA or trust stores): parses their command lines, runs {@code run --mode launch -- true}
 * and a gated {@code true} as OSPROXY starts commands, and sends HTTP/1.1 (through the proxy and through a CONNECT
 * tunnel, as transparent apps' bytes arrive), HTTPS and h2 to loopback origins through two sessions, one without
 * rules (the byte and frame relays, upstream TLS) and one with a stub and a route (the codec relay), printing the flows
 * as JSON and as lines to nowhere and writing a HAR and a report; a third session starts what OSPROXY needs (apptap's
 * DNS responder, which answers one query for a stubbed name, and the transparent listeners) for a stand-in
 * redirector that redirects nothing. It asks the installed redirectors whether they could run, as every command does,
 * and never starts one. Run by the launcher as
 * {@code java -XX:ArchiveClassesAtExit=FILE -cp apptap-cli.jar dev.apptap.cli.ArchiveTraining}; exits 0 when it did
 * all of it.
 */
final class ArchiveTraining {

    private static final String STUB_HOST = "stub.apptap-archive.test";
    private static final String ROUTED_HOST = "routed.apptap-archive.test";

    private ArchiveTraining() {
    }

    public static void main(String[] args) throws IOException {
        int exit = 0;
        Path work = Files.createTempDirectory("apptap-archive-");
        try {
            train(work);
        } catch (Exception | Error e) {
            System.err.println("apptap: the class-archive training failed: " + e);
            exit = 1;
        } finally {
            deleteTree(work);
        }
        // exit here, so that no thread left by a failure keeps the dumping JVM (and the launcher) waiting
        System.exit(exit);
    }

    private static void train(Path work) throws Exception {
        Logging.configure(false, System.err);
        try {
            ProjectConfig.current();
        } catch (RuntimeException e) {
            // a broken .apptap.properties is the user's command's to report
        }
        RedirectorProvider.installed().forEach(RedirectorProvider::unavailableReason);
        ModeChoice.decide(ModeChoice.Mode.AUTO, RedirectorProvider.installed());

        Path caDir = work.resolve("ca");
        PrintWriter nowhere = new PrintWriter(OutputStream.nullOutputStream(), true);
        CommandLine cli = Apptap.commandLine();
        cli.setOut(nowhere);
        cli.setErr(nowhere);
        cli.parseArgs("watch", "--json", "--dns", "curl,wget");
        int exit = cli.execute("run", "--mode", "launch", "--ca-dir", caDir.toString(), "--", "true");
        if (exit != 0) {
            throw new IllegalStateException("apptap run --mode launch -- true exited with " + exit);
        }

        // OSPROXY's gated start, whose FIFO its opener deletes long before this JVM exits
        Child.Gated gated = Child.startGated(List.of("true"), System.getenv(), ChildOutput.decide());
        gated.open();
        gated.process().waitFor();

        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir);
        ExecutorService minter = Executors.newSingleThreadExecutor();
        HttpServer plain = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        HttpsServer tls = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        EventLoopGroup h2Loop = new NioEventLoopGroup(1);
        try {
            LeafCertificate leaf = new LeafCertificates(ca, minter).forHost("localhost").get();
            tls.setHttpsConfigurator(new HttpsConfigurator(((JdkSslContext) originTls(leaf)).context()));
            for (HttpServer server : List.of(plain, tls)) {
                server.createContext("/", ArchiveTraining::answer);
                server.start();
            }
            int h2Port = h2Origin(h2Loop, leaf);
            int plainPort = plain.getAddress().getPort();
            String upstreamTrust = ca.certificateFile().orElseThrow().toString();

            RunCommand bytes = parse(cli, "--json", "--har", work.resolve("flows.har").toString(), "--report",
                    work.resolve("report.html").toString(), "--ca-dir", caDir.toString(), "--upstream-trust",
                    upstreamTrust);
            exchange(bytes, Optional.empty(), session -> {
                HttpClient client = client(session, ca, HttpClient.Version.HTTP_1_1);
                send(client, "https://localhost:" + tls.getAddress().getPort() + "/tls");
                // the origin speaks h2, so the engine agrees on h2 with the client: the frame relay
                send(client(session, ca, HttpClient.Version.HTTP_2), "https://localhost:" + h2Port + "/h2");
                send(client, "http://127.0.0.1:" + plainPort + "/absolute-form");
                tunnelledPlainRequest(session.explicitProxy(), plainPort);
            });

            RunCommand rules = parse(cli, "--ca-dir", caDir.toString(),
                    "--stub", "POST https://" + STUB_HOST + "/ 200 {\"stubbed\":true}",
                    "--route", ROUTED_HOST + "=127.0.0.1:" + plainPort);
            exchange(rules, Optional.empty(), session -> {
                send(client(session, ca, HttpClient.Version.HTTP_1_1), "https://" + STUB_HOST + "/");
                send(client(session, ca, HttpClient.Version.HTTP_1_1), "http://" + ROUTED_HOST + "/routed");
            });

            // as run and watch in OSPROXY mode, with a redirector that redirects nothing: apptap's DNS answers a
            // query, and a connection straight to the transparent listener is turned away as not redirected
            RunCommand transparent = parse(cli, "--ca-dir", caDir.toString(), "--stub",
                    "GET http://" + STUB_HOST + "/ 200 ok");
            Listeners listeners = new Listeners();
            exchange(transparent, Optional.of(listeners), session -> {
                session.redirector().intercept(InterceptSpec.parse(Long.toString(ProcessHandle.current().pid())));
                lookUp(listeners.target.dns().orElseThrow(), STUB_HOST);
                tunnelledPlainRequest(listeners.target.tcpIpv4(), null);
            });
        } finally {
            plain.stop(0);
            tls.stop(0);
            minter.shutdownNow();
            h2Loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** A loopback HTTPS origin that speaks h2 only, answering each request with 200; returns its port. */
    private static int h2Origin(EventLoopGroup loop, LeafCertificate leaf) throws SSLException {
        SslContext tls = originTls(leaf, ApplicationProtocolNames.HTTP_2);
        Channel server = new ServerBootstrap().group(loop).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(tls.newHandler(channel.alloc()),
                                Http2FrameCodecBuilder.forServer().build(), new H2Answer());
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).syncUninterruptibly().channel();
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Answers each h2 request, once it has ended, with 200 and a small JSON body. */
    private static final class H2Answer extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            try {
                boolean ended = message instanceof Http2HeadersFrame headers ? headers.isEndStream()
                        : message instanceof Http2DataFrame data && data.isEndStream();
                if (ended && message instanceof Http2StreamFrame frame) {
                    ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200"), false)
                            .stream(frame.stream()));
                    ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("{\"origin\":true}",
                            StandardCharsets.US_ASCII), true).stream(frame.stream()));
                }
            } finally {
                ReferenceCountUtil.release(message);
            }
        }
    }

    /** What a {@code run} with these options does around its command: a session, its printer, HAR and ending. */
    private static void exchange(RunCommand run, Optional<RedirectorProvider> redirector, Traffic traffic)
            throws Exception {
        EngineOptions options = run.options;
        Terminal terminal = new Terminal(new PrintWriter(OutputStream.nullOutputStream()),
                new PrintWriter(OutputStream.nullOutputStream()));
        try (InterceptionSession session = options.start(redirector)) {
            Optional<HarStream> har = options.openHar();
            FlowPrinter printer = new FlowPrinter(terminal, options, har);
            try (var registration = session.flows().addListener(printer)) {
                traffic.send(session);
                new Ending(session, printer, terminal, options, har).finish(
                        ModeChoice.decide(redirector.isPresent() ? ModeChoice.Mode.AUTO : ModeChoice.Mode.LAUNCH,
                                redirector.stream().toList()), "apptap run -- training",
                        Optional.empty());
            }
            if (session.flows().flows().isEmpty()) {
                throw new IllegalStateException("the training's requests left no flows");
            }
        }
    }

    private static RunCommand parse(CommandLine cli, String... options) {
        String[] args = Stream.of(Stream.of("run", "--mode", "launch"), Stream.of(options), Stream.of("--", "true"))
                .flatMap(s -> s).toArray(String[]::new);
        return (RunCommand) cli.parseArgs(args).subcommand().commandSpec().userObject();
    }

    private static HttpClient client(InterceptionSession session, CertificateAuthority ca,
                                     HttpClient.Version version) throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        trusted.setCertificateEntry("apptap", ca.certificate());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return HttpClient.newBuilder().proxy(ProxySelector.of(session.explicitProxy())).sslContext(context)
                .version(version).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static void send(HttpClient client, String url) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString("{\"training\":true}")).header("Content-Type",
                        "application/json").build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    /**
     * HTTP/1.1 inside a CONNECT tunnel to {@code port}: plain bytes the engine sniffs, as it does for transparently
     * caught apps; with no port, the same request straight to {@code proxy}, which may turn it away.
     */
    private static void tunnelledPlainRequest(InetSocketAddress proxy, Integer port) throws IOException {
        String target = "127.0.0.1:" + port;
        try (Socket socket = new Socket(proxy.getAddress(), proxy.getPort())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            if (port == null) {
                out.write(("GET / HTTP/1.1\r\nHost: " + STUB_HOST + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                try {
                    in.readAllBytes();
                } catch (SocketException turnedAway) {
                    // a reset is how the engine turns a connection away
                }
                return;
            }
            out.write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("the engine closed the CONNECT tunnel to " + target);
                }
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            out.write(("GET /tunnelled HTTP/1.1\r\nHost: " + target + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!response.startsWith("HTTP/1.1 200")) {
                throw new IOException("the tunnelled request to " + target + " got " + response.lines().findFirst());
            }
        }
    }

    /** One DNS query for {@code name}'s A record, as an app's resolver sends it. */
    private static void lookUp(InetSocketAddress server, String name) throws IOException {
        ByteArrayOutputStream query = new ByteArrayOutputStream();
        // id 0x4150, recursion desired, one question
        query.writeBytes(new byte[]{0x41, 0x50, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            query.write(label.length());
            query.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        // the root, type A, class IN
        query.writeBytes(new byte[]{0, 0, 1, 0, 1});
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setSoTimeout(20_000);
            byte[] bytes = query.toByteArray();
            socket.send(new DatagramPacket(bytes, bytes.length, server));
            socket.receive(new DatagramPacket(new byte[512], 512));
        }
    }

    /** The origins' TLS for {@code localhost}, offering {@code protocols} by ALPN (none: no ALPN). */
    private static SslContext originTls(LeafCertificate leaf, String... protocols) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forServer(leaf.key(),
                leaf.chain().toArray(new X509Certificate[0])).sslProvider(SslProvider.JDK);
        if (protocols.length > 0) {
            builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols));
        }
        return builder.build();
    }

    private static void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"origin\":true}".getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /**
     * Stands in for the OS redirector, so that a session starts what OSPROXY needs (apptap's DNS responder, the
     * transparent listeners) while nothing on the machine is redirected.
     */
    private static final class Listeners implements RedirectorProvider {

        RedirectTarget target;

        @Override
        public String name() {
            return "archive-training";
        }

        @Override
        public Optional<String> unavailableReason() {
            return Optional.empty();
        }

        @Override
        public Redirector start(RedirectTarget target) {
            this.target = target;
            return new Redirector() {
                private InterceptSpec spec = InterceptSpec.parse("");

                @Override
                public void intercept(InterceptSpec spec, InterceptScope scope) {
                    this.spec = spec;
                }

                @Override
                public InterceptSpec spec() {
                    return spec;
                }

                @Override
                public InterceptScope scope() {
                    return InterceptScope.MACHINE;
                }

                @Override
                public String describe() {
                    return "nothing redirected (archive training)";
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /** Requests sent through a started session. */
    private interface Traffic {
        void send(InterceptionSession session) throws Exception;
    }
}
