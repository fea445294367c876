package dev.apptap.proxy.engine;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.LeafCertificates;
import dev.apptap.proxy.ca.Pem;
import dev.apptap.proxy.ca.TrustExports;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.ProcessInfo;
import dev.apptap.proxy.dns.LoopbackAddressPool;
import dev.apptap.proxy.netns.NetworkNamespace;
import dev.apptap.proxy.origin.OriginalDestinationResolver;
import dev.apptap.proxy.origin.ProcessResolver;
import dev.apptap.proxy.origin.ProcfsProcessResolver;
import dev.apptap.proxy.origin.SoOriginalDst;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.redirect.SourcePortRange;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * apptap's man-in-the-middle engine: takes apps' connections, decrypts TLS with certificates minted by
 * apptap's CA, relays HTTP/1.1 and raw TCP to where the app meant to go, and records every exchange in a
 * {@link FlowStore}.
 *
 * <p>Connections arrive three ways: through the <em>explicit</em> listener (apps configured with
 * {@code HTTP(S)_PROXY}: {@code CONNECT} and absolute-form requests), through the <em>transparent</em>
 * listener (connections a redirector sent there; their destination is read with
 * {@code getsockopt(SO_ORIGINAL_DST)}), or {@linkplain #adopt handed over} by a redirector that accepted them
 * itself.
 *
 * <pre>{@code
 * FlowStore flows = new FlowStore();
 * try (ProxyEngine engine = ProxyEngine.builder()
 *         .certificateAuthority(CertificateAuthority.ephemeral())
 *         .flows(flows)
 *         .start()) {
 *     // run curl with HTTPS_PROXY=http://127.0.0.1:<engine.explicitAddress().getPort()> ...
 *     flows.flows().forEach(f -> System.out.println(f.summary()));
 * }
 * }</pre>
 */
public final class ProxyEngine implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ProxyEngine.class.getName());

    private final EngineRuntime runtime;
    private final EventLoopGroup bosses;
    private final List<Channel> listeners;
    /** Bound later, inside other network namespaces; closed with the engine at the latest. */
    private final List<Channel> namespaceListeners = new CopyOnWriteArrayList<>();
    private final InetSocketAddress explicitAddress;
    private final List<InetSocketAddress> transparentAddresses;

    private ProxyEngine(EngineRuntime runtime, EventLoopGroup bosses, List<Channel> listeners,
                        InetSocketAddress explicitAddress, List<InetSocketAddress> transparentAddresses) {
        this.runtime = runtime;
        this.bosses = bosses;
        this.listeners = listeners;
        this.explicitAddress = explicitAddress;
        this.transparentAddresses = transparentAddresses;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Where the explicit proxy listens: the address for {@code HTTP_PROXY} and {@code HTTPS_PROXY}. */
    public InetSocketAddress explicitAddress() {
        return explicitAddress;
    }

    /** Where the transparent listeners listen (redirectors send connections here); empty if none was asked for. */
    public List<InetSocketAddress> transparentAddresses() {
        return transparentAddresses;
    }

    /**
     * The stubs, routes and offline switch in force.
     *
     * <pre>{@code
     * engine.rules().on(post("https://api.example.test/v1/login")).respond(respondJson(200, "{\"token\":\"t\"}"));
     * engine.rules().offline(true);   // unmatched requests get a 502 that says so; nothing leaves the machine
     * }</pre>
     */
    public RuleSet rules() {
        return runtime.settings().rules();
    }

    /** The store every flow is recorded in. */
    public FlowStore flows() {
        return runtime.settings().flows();
    }

    /**
     * The event loops the engine relays on. A redirector that {@linkplain #adopt adopts} connections registers
     * them here, because each connection and its upstream must share one loop.
     */
    public EventLoopGroup eventLoopGroup() {
        return runtime.workers();
    }

    /**
     * Takes over a connection a redirector accepted itself, as if it had arrived at the transparent listener.
     *
     * @param channel     a connected channel registered with {@link #eventLoopGroup()}, not yet read from
     * @param destination where the app meant to go
     * @param process     the process that opened the connection
     */
    public void adopt(Channel channel, InetSocketAddress destination, ProcessInfo process) {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(process, "process");
        channel.eventLoop().execute(() -> {
            channel.config().setAutoRead(false);
            ConnectionContext connection = new ConnectionContext(runtime, ConnectionContext.Entry.ADOPTED,
                    channel.remoteAddress() instanceof InetSocketAddress a ? a : null);
            connection.destination(destination);
            connection.process = process;
            channel.pipeline().addLast(ProtocolSniffer.NAME, new ProtocolSniffer(connection, false));
        });
    }

    /**
     * Opens the transparent listeners again inside {@code namespace}, on the same addresses and ports, so a redirector
     * that sends an app in that namespace to {@code 127.0.0.1:P} reaches this engine. Connections accepted there are
     * handled like any other; the engine's upstream connections still leave from its own namespace.
     *
     * @return closes the listeners in {@code namespace}
     * @throws IOException when the namespace cannot be entered or a port is taken there; an IPv6 listener is skipped
     *                     when the namespace has no {@code ::1} (Docker's containers by default)
     */
    public AutoCloseable transparentListenersIn(NetworkNamespace namespace) throws IOException {
        List<Channel> opened = namespace.call(() -> {
            List<Channel> bound = new ArrayList<>();
            for (InetSocketAddress address : transparentAddresses) {
                try {
                    // The socket is created here, on the namespace's thread; Netty binds it later on its loop.
                    bound.add(Builder.listen(runtime, bosses, address, ConnectionContext.Entry.TRANSPARENT));
                } catch (IllegalStateException e) {
                    if (address.getAddress() instanceof Inet4Address) {
                        bound.forEach(Channel::close);
                        throw new IOException(e.getMessage(), e);
                    }
                }
            }
            return bound;
        });
        namespaceListeners.addAll(opened);
        return () -> {
            for (Channel channel : opened) {
                channel.close().awaitUninterruptibly();
                namespaceListeners.remove(channel);
            }
        };
    }

    @Override
    public void close() {
        for (Channel listener : namespaceListeners) {
            listener.close().awaitUninterruptibly();
        }
        for (Channel listener : listeners) {
            listener.close().awaitUninterruptibly();
        }
        bosses.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        runtime.workers().shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        runtime.blocking().shutdownNow();
    }

    /** Configures and starts a {@link ProxyEngine}. Every setting has a default fit for tests on one machine. */
    public static final class Builder {

        private CertificateAuthority ca;
        private FlowStore flows;
        private RuleSet rules;
        private int bodyLimit = 1 << 20;
        private final Set<String> passthrough = new LinkedHashSet<>();
        private final List<X509Certificate> upstreamTrust = new ArrayList<>();
        private boolean upstreamInsecure;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration serverFirstWait = Duration.ofMillis(500);
        private int maxHeaderSize = 64 * 1024;
        private int maxInitialLineLength = 16 * 1024;
        private OriginalDestinationResolver originalDestinations;
        private ProcessResolver processes;
        private HostResolver hostResolver = HostResolver.SYSTEM;
        private LoopbackAddressPool dnsAddresses;
        private Duration responseTimeout = Duration.ofSeconds(60);
        private Duration requestHeadTimeout = Duration.ofSeconds(60);
        private InetSocketAddress explicitListener = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private final List<InetSocketAddress> transparentListeners = new ArrayList<>();
        private int workerThreads = Runtime.getRuntime().availableProcessors();
        private TrustExports trustFiles;
        private SourcePortRange upstreamSourcePorts;

        private Builder() {
        }

        /** The CA that signs the certificates shown to apps; default: the per-user CA in {@code ~/.apptap/}. */
        public Builder certificateAuthority(CertificateAuthority ca) {
            this.ca = Objects.requireNonNull(ca);
            return this;
        }

        /** Where flows are recorded; default: a new store. */
        public Builder flows(FlowStore flows) {
            this.flows = Objects.requireNonNull(flows);
            return this;
        }

        /**
         * The stubs, routes and offline switch the engine applies to every request; default: an empty set, so every
         * request goes where the app meant. Safe to change while traffic flows.
         */
        public Builder rules(RuleSet rules) {
            this.rules = Objects.requireNonNull(rules);
            return this;
        }

        /** How many bytes of each body to keep (default 1 MiB); bodies still stream whole. */
        public Builder bodyLimit(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("The body limit must be zero or more bytes, but was " + bytes + ".");
            }
            this.bodyLimit = bytes;
            return this;
        }

        /** Hosts whose TLS is relayed without decryption ({@code bank.example.test}, {@code *.internal.test}). */
        public Builder passthrough(String... hosts) {
            passthrough.addAll(List.of(hosts));
            return this;
        }

        /** Extra roots trusted for upstream servers, besides the JDK's and the operating system's. */
        public Builder upstreamTrust(X509Certificate... roots) {
            upstreamTrust.addAll(List.of(roots));
            return this;
        }

        /** Extra roots for upstream servers, from a PEM file with one or more certificates. */
        public Builder upstreamTrust(Path pemFile) {
            upstreamTrust.addAll(Pem.readCertificates(pemFile, "the upstream trust file " + pemFile));
            return this;
        }

        /** Skips verifying upstream certificates: for test servers with self-signed certificates only. */
        public Builder upstreamInsecure(boolean insecure) {
            this.upstreamInsecure = insecure;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** How long a connection may stay silent before it is relayed as a server-speaks-first protocol. */
        public Builder serverFirstWait(Duration wait) {
            this.serverFirstWait = Objects.requireNonNull(wait);
            return this;
        }

        public Builder maxHeaderSize(int bytes) {
            this.maxHeaderSize = bytes;
            return this;
        }

        /** How the transparent listener learns a connection's destination; default {@code SO_ORIGINAL_DST}. */
        public Builder originalDestinations(OriginalDestinationResolver resolver) {
            this.originalDestinations = Objects.requireNonNull(resolver);
            return this;
        }

        /** How the engine finds the process behind a connection; default: {@code /proc} on Linux. */
        public Builder processes(ProcessResolver resolver) {
            this.processes = Objects.requireNonNull(resolver);
            return this;
        }

        /** How upstream host names are resolved; default: the operating system's resolver. */
        public Builder hostResolver(HostResolver resolver) {
            this.hostResolver = Objects.requireNonNull(resolver);
            return this;
        }

        /**
         * The loopback addresses apptap's DNS responder hands out for stubbed names. A transparent connection to
         * one of them is taken as a connection to its name, which the {@link #hostResolver} then resolves, so a
         * name answered by apptap's DNS still reaches a local server that plays it.
         */
        public Builder dnsAddresses(LoopbackAddressPool pool) {
            this.dnsAddresses = Objects.requireNonNull(pool);
            return this;
        }

        /** How long the upstream may take to begin its response once the request was sent (default 60 s). */
        public Builder responseTimeout(Duration timeout) {
            this.responseTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /**
         * How long an app may take from the first byte of an HTTP/1 request head to its end (default 60 s); a slower
         * app (slowloris) gets a 408, a flow with a {@code CLIENT_TIMEOUT} error, and its connection closed.
         */
        public Builder requestHeadTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("The request head timeout must be positive, but was " + timeout + ".");
            }
            this.requestHeadTimeout = timeout;
            return this;
        }

        /** Where the explicit proxy listens; default 127.0.0.1 on a free port. */
        public Builder explicitListener(InetSocketAddress address) {
            this.explicitListener = Objects.requireNonNull(address);
            return this;
        }

        /** Adds a transparent listener (for redirectors); none by default. Port 0 picks a free port. */
        public Builder transparentListener(InetSocketAddress address) {
            transparentListeners.add(Objects.requireNonNull(address));
            return this;
        }

        public Builder workerThreads(int threads) {
            this.workerThreads = threads;
            return this;
        }

        /**
         * Makes every upstream connection leave from a port of {@code range} (default: any port the system picks), for
         * a redirector that tells the engine's own connections from apps' by their source port (macOS's pf).
         */
        public Builder upstreamSourcePorts(SourcePortRange range) {
            this.upstreamSourcePorts = Objects.requireNonNull(range, "range");
            return this;
        }

        /** The CA files to name in error messages that tell users how to trust apptap's CA. */
        public Builder caFilesForMessages(TrustExports trustFiles) {
            this.trustFiles = trustFiles;
            return this;
        }

        /** Binds the listeners and starts relaying. */
        public ProxyEngine start() {
            CertificateAuthority authority = ca != null ? ca : CertificateAuthority.userDefault();
            LeakSampling.offUnlessAsked();
            // Without epoll (macOS) transparent listeners still bind: a redirector that hands connections over
            // (ConnectionHandover) never sends any there, and one that does gets each connection closed with the reason.
            Transport transport = Transport.best();
            EngineSettings settings = settings();
            // Unbounded like a cached pool (a task may wait on another: a TLS task on a leaf being minted), but idle
            // threads end after 10 s instead of 60: a burst of connections must not leave its threads in the user's JVM.
            ExecutorService blocking = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
                    new SynchronousQueue<>(), new DefaultThreadFactory("apptap-blocking", true));
            EventLoopGroup workers = transport.newGroup(workerThreads, new DefaultThreadFactory("apptap-relay", true));
            EventLoopGroup bosses = transport.newGroup(1, new DefaultThreadFactory("apptap-accept", true));
            LeafCertificates leaves = new LeafCertificates(authority, blocking);
            leaves.warmUpOnce();
            MitmServerContexts contexts = new MitmServerContexts(leaves);
            EngineRuntime runtime = new EngineRuntime(settings, transport, workers, blocking, contexts);
            blocking.execute(runtime.upstreamTls()::loadTrustAhead);
            List<Channel> bound = new ArrayList<>();
            try {
                Channel explicit = bind(runtime, bosses, explicitListener, ConnectionContext.Entry.EXPLICIT);
                bound.add(explicit);
                List<InetSocketAddress> transparent = new ArrayList<>();
                for (InetSocketAddress address : transparentListeners) {
                    Channel channel = bind(runtime, bosses, address, ConnectionContext.Entry.TRANSPARENT);
                    bound.add(channel);
                    transparent.add((InetSocketAddress) channel.localAddress());
                }
                LOG.log(System.Logger.Level.DEBUG, "apptap''s engine listens as a proxy on {0} and transparently on {1}.",
                        explicit.localAddress(), transparent);
                return new ProxyEngine(runtime, bosses, bound, (InetSocketAddress) explicit.localAddress(),
                        List.copyOf(transparent));
            } catch (RuntimeException e) {
                bound.forEach(Channel::close);
                bosses.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                blocking.shutdownNow();
                throw e;
            }
        }

        /** The settings this builder describes; handler tests build runtimes from them. */
        EngineSettings settings() {
            return new EngineSettings(flows != null ? flows : new FlowStore(),
                    rules != null ? rules : new RuleSet(), bodyLimit,
                    Set.copyOf(passthrough), List.copyOf(upstreamTrust), upstreamInsecure, connectTimeout,
                    serverFirstWait, maxHeaderSize, maxInitialLineLength,
                    originalDestinations != null ? originalDestinations : new SoOriginalDst(),
                    processes != null ? processes : defaultProcessResolver(), hostResolver,
                    Optional.ofNullable(dnsAddresses), responseTimeout, requestHeadTimeout,
                    Optional.ofNullable(trustFiles),
                    Optional.ofNullable(upstreamSourcePorts).map(SourcePorts::new));
        }

        private static ProcessResolver defaultProcessResolver() {
            return Files.isDirectory(Path.of("/proc/self")) ? new ProcfsProcessResolver() : ProcessResolver.NONE;
        }

        private static Channel bind(EngineRuntime runtime, EventLoopGroup bosses, InetSocketAddress address,
                                    ConnectionContext.Entry entry) {
            Channel channel = listen(runtime, bosses, address, entry);
            runtime.addListener((InetSocketAddress) channel.localAddress());
            return channel;
        }

        static Channel listen(EngineRuntime runtime, EventLoopGroup bosses, InetSocketAddress address,
                              ConnectionContext.Entry entry) {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(bosses, runtime.workers())
                    .channel(runtime.transport().serverChannel)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(ConnectionOrigin.NAME, new ConnectionOrigin(runtime, entry));
                        }
                    });
            try {
                return bootstrap.bind(address).sync().channel();
            } catch (Exception e) {
                throw new IllegalStateException("apptap could not listen on " + address + " for its " 
                        + entry.name().toLowerCase(Locale.ROOT) + " listener: " + e.getMessage()
                        + "; pick another address or port.", e);
            }
        }
    }
}
