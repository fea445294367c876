package dev.apptap.proxy.dns;

import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.FlowStore;
import dev.apptap.proxy.netns.NetworkNamespace;
import dev.apptap.proxy.origin.ProcessResolver;
import dev.apptap.proxy.origin.ProcfsProcessResolver;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * apptap's DNS server: the place a redirector sends the DNS queries of intercepted apps. It answers names that
 * have stubs or routes (or every name, offline) with per-name loopback addresses from a {@link LoopbackAddressPool},
 * forwards the rest to the system's resolver, and records every query as a {@link DnsFlow}.
 *
 * <pre>{@code
 * FlowStore flows = new FlowStore();
 * try (DnsResponder dns = DnsResponder.builder(flows)
 *         .policy(DnsPolicy.stubbing(name -> name.endsWith(".test")))
 *         .start()) {
 *     // point the redirector's DNS rewrite at dns.address() (UDP and TCP, same port)
 *     // an app asking for api.example.test gets 127.0.0.2; example.com is forwarded to /etc/resolv.conf's resolver
 * }
 * }</pre>
 *
 * <p><b>Answers.</b> A stubbed or offline name gets its pool address for {@code A}, and an empty NOERROR answer for
 * {@code AAAA} and every other type, so clients fall back to the per-name IPv4 address (see {@link DnsAnswer}).
 * Answers carry a one-second TTL, because stubs change between tests. Queries with other than one question get
 * FORMERR, other opcodes NOTIMP; datagrams that are not queries at all are dropped.
 *
 * <p><b>Forwarding.</b> Other queries go over UDP to the {@linkplain Builder#upstreamResolver upstream resolver}:
 * by default the first {@code nameserver} of {@code /etc/resolv.conf}, read once at start. The app gets the
 * resolver's answer byte for byte (its transaction id included). Without a resolver, when the resolver is this
 * responder itself, or when it does not answer within the {@linkplain Builder#upstreamTimeout timeout}, the app
 * gets SERVFAIL and the flow says why. Queries that arrived over TCP are forwarded over UDP as well; an answer the
 * resolver truncated reaches the app truncated.
 *
 * <p><b>Processes and resolvers.</b> Each flow names the app's process ({@code /proc} lookups for both TCP and UDP
 * sockets on Linux). A redirected query no longer says which resolver the app asked, so {@link DnsFlow#server()} is
 * this responder's address unless an {@link OriginalResolverLookup} knows better.
 *
 * <p>Listens on 127.0.0.1 (and {@code ::1} on request) on one port for UDP and TCP. Thread-safe; {@link #close()}
 * stops listening and drops queries still waiting for the upstream resolver.
 */
public final class DnsResponder implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DnsResponder.class.getName());

    private final EventLoopGroup group;
    private final ExecutorService workers;
    private final List<Channel> channels;
    private final List<InetSocketAddress> addresses;
    private final LoopbackAddressPool pool;
    private final Optional<InetSocketAddress> upstream;
    private final QueryProcessor processor;
    /** Bound later, inside other network namespaces; closed with the responder at the latest. */
    private final List<Channel> namespaceChannels = new CopyOnWriteArrayList<>();

    private DnsResponder(EventLoopGroup group, ExecutorService workers, List<Channel> channels,
                         List<InetSocketAddress> addresses, LoopbackAddressPool pool,
                         Optional<InetSocketAddress> upstream, QueryProcessor processor) {
        this.group = group;
        this.workers = workers;
        this.processor = processor;
        this.channels = channels;
        this.addresses = addresses;
        this.pool = pool;
        this.upstream = upstream;
    }

    /** Starts configuring a responder that records into {@code flows}. */
    public static Builder builder(FlowStore flows) {
        return new Builder(flows);
    }

    /** The IPv4 address apps' queries should be sent to, UDP and TCP alike: {@code 127.0.0.1:port}. */
    public InetSocketAddress address() {
        return addresses.get(0);
    }

    /** Every address the responder listens on: {@link #address()}, then {@code [::1]:port} when requested. */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    /** The port, the same for UDP and TCP and for every address. */
    public int port() {
        return address().getPort();
    }

    /**
     * Listens again inside {@code namespace} (a container's), on {@link #address()} for UDP and TCP, so a redirector
     * can send the DNS queries of apps in that namespace to the same address there. Queries are answered and recorded
     * like any other; forwarded ones leave from the responder's own namespace.
     *
     * @return closes the sockets in {@code namespace}
     * @throws IOException when the namespace cannot be entered or the port is taken there
     */
    public AutoCloseable listenIn(NetworkNamespace namespace) throws IOException {
        List<Channel> opened = namespace.call(() -> {
            // Created on the namespace's thread, so the sockets live there; Netty binds them later on its loop.
            Channel udp = Builder.bindUdp(group, processor, address());
            try {
                return List.of(udp, Builder.bindTcp(group, processor, address()));
            } catch (IOException e) {
                udp.close();
                throw e;
            }
        });
        namespaceChannels.addAll(opened);
        return () -> {
            for (Channel channel : opened) {
                channel.close().awaitUninterruptibly();
                namespaceChannels.remove(channel);
            }
        };
    }

    /** Where stubbed and offline names get their addresses; the engine maps destination addresses back with it. */
    public LoopbackAddressPool addressPool() {
        return pool;
    }

    /** The resolver forwarded queries go to, or empty when there is none (they get SERVFAIL). */
    public Optional<InetSocketAddress> upstreamResolver() {
        return upstream;
    }

    /** Stops listening; waits at most a second for the event loop to finish. */
    @Override
    public void close() {
        for (Channel channel : namespaceChannels) {
            channel.close().awaitUninterruptibly();
        }
        for (Channel channel : channels) {
            channel.close().awaitUninterruptibly();
        }
        workers.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @Override
    public String toString() {
        return "DnsResponder" + addresses;
    }

    /** Configures and starts a {@link DnsResponder}. */
    public static final class Builder {

        private final FlowStore flows;
        private int port;
        private boolean ipv6;
        private DnsPolicy policy = DnsPolicy.forwardAll();
        private LoopbackAddressPool pool;
        private InetSocketAddress upstreamResolver;
        private Path resolvConf = ResolvConf.SYSTEM;
        private Duration upstreamTimeout = Duration.ofSeconds(3);
        private ProcessResolver tcpProcesses;
        private ProcessResolver udpProcesses;
        private OriginalResolverLookup originalResolvers = OriginalResolverLookup.NONE;

        private Builder(FlowStore flows) {
            this.flows = Objects.requireNonNull(flows, "flows");
        }

        /** The port for UDP and TCP; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("A DNS responder's port must be between 0 and 65535, not " + port + ".");
            }
            this.port = port;
            return this;
        }

        /** Also listen on {@code [::1]} (same port); start fails if the host has no IPv6 loopback. */
        public Builder ipv6(boolean listenOnIpv6Loopback) {
            this.ipv6 = listenOnIpv6Loopback;
            return this;
        }

        /** Which names apptap answers itself; by default none (every query is forwarded). */
        public Builder policy(DnsPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** The pool stubbed names take addresses from; share one with the engine so it can map them back. */
        public Builder addressPool(LoopbackAddressPool pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
            return this;
        }

        /**
         * The resolver to forward to, instead of the one {@code resolv.conf} names. Tests point this at a fake
         * resolver on 127.0.0.1 so that no query leaves the machine.
         */
        public Builder upstreamResolver(InetSocketAddress resolver) {
            this.upstreamResolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /** Where to read the system's resolver from when none is {@linkplain #upstreamResolver given}. */
        public Builder resolvConf(Path file) {
            this.resolvConf = Objects.requireNonNull(file, "file");
            return this;
        }

        /** How long to wait for the upstream resolver before answering SERVFAIL; 3 s by default. */
        public Builder upstreamTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("The upstream timeout must be positive, not " + timeout + ".");
            }
            this.upstreamTimeout = timeout;
            return this;
        }

        /** Finds the process behind a TCP query's socket; {@link ProcfsProcessResolver} on Linux by default. */
        public Builder processes(ProcessResolver resolver) {
            this.tcpProcesses = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /** Finds the process behind a UDP query's socket; a {@code /proc/net/udp} reader on Linux by default. */
        public Builder udpProcesses(ProcessResolver resolver) {
            this.udpProcesses = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /** Tells which resolver a redirected app had addressed; see {@link OriginalResolverLookup}. */
        public Builder originalResolvers(OriginalResolverLookup lookup) {
            this.originalResolvers = Objects.requireNonNull(lookup, "lookup");
            return this;
        }

        /**
         * Binds and starts answering.
         *
         * @throws UncheckedIOException with a sentence naming the port when it cannot be bound
         */
        public DnsResponder start() {
            QueryProcessor.Upstream upstream = upstream();
            LoopbackAddressPool addresses = pool != null ? pool : new LoopbackAddressPool();
            boolean procfs = Files.isDirectory(Path.of("/proc/self/fd"));
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("apptap-dns", true),
                    NioIoHandler.newFactory());
            // Bounded: a flood of queries waits in the queue instead of spawning threads; each task is short.
            ThreadPoolExecutor workers = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(10_000), new DefaultThreadFactory("apptap-dns-worker", true));
            workers.allowCoreThreadTimeOut(true);
            QueryProcessor processor = new QueryProcessor(flows, policy, addresses, upstream, upstreamTimeout,
                    tcpProcesses != null ? tcpProcesses : procfs ? new ProcfsProcessResolver() : ProcessResolver.NONE,
                    udpProcesses != null ? udpProcesses : ProcfsUdpProcessResolver.forThisSystem(),
                    originalResolvers, new UpstreamForwarder(group), workers);
            try {
                List<Channel> channels = bindWithRetries(group, processor);
                Set<InetSocketAddress> bound = new LinkedHashSet<>();
                for (Channel channel : channels) {
                    bound.add((InetSocketAddress) channel.localAddress());
                }
                processor.ownAddresses(bound);
                DnsResponder responder = new DnsResponder(group, workers, channels, List.copyOf(bound), addresses,
                        upstream.address(), processor);
                LOG.log(System.Logger.Level.DEBUG, "apptap''s DNS responder listens on {0} (UDP and TCP) and forwards"
                        + " to {1}.", bound, upstream.address().map(Object::toString).orElse(upstream.missingReason()));
                return responder;
            } catch (RuntimeException e) {
                workers.shutdownNow();
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw e;
            }
        }

        private QueryProcessor.Upstream upstream() {
            if (upstreamResolver != null) {
                return new QueryProcessor.Upstream(Optional.of(upstreamResolver), "");
            }
            Optional<InetSocketAddress> fromFile = ResolvConf.firstNameserver(resolvConf);
            return new QueryProcessor.Upstream(fromFile, fromFile.isPresent() ? ""
                    : resolvConf + " names no nameserver, so there is no resolver to forward to.");
        }

        /** An ephemeral port free for UDP may be taken for TCP (or on ::1): then try another. */
        private List<Channel> bindWithRetries(EventLoopGroup group, QueryProcessor processor) {
            int attempts = port == 0 ? 10 : 1;
            IOException last = null;
            for (int attempt = 0; attempt < attempts; attempt++) {
                List<Channel> bound = new ArrayList<>();
                try {
                    InetAddress v4 = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
                    Channel udp = bindUdp(group, processor, new InetSocketAddress(v4, port));
                    bound.add(udp);
                    int actual = ((InetSocketAddress) udp.localAddress()).getPort();
                    bound.add(bindTcp(group, processor, new InetSocketAddress(v4, actual)));
                    if (ipv6) {
                        InetAddress v6 = InetAddress.getByAddress("localhost", new byte[] {
                                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
                        bound.add(bindUdp(group, processor, new InetSocketAddress(v6, actual)));
                        bound.add(bindTcp(group, processor, new InetSocketAddress(v6, actual)));
                    }
                    return bound;
                } catch (IOException e) {
                    bound.forEach(channel -> channel.close().awaitUninterruptibly());
                    last = e;
                }
            }
            throw new UncheckedIOException("apptap's DNS responder could not listen on "
                    + (port == 0 ? "a free port" : "port " + port) + " of 127.0.0.1" + (ipv6 ? " and ::1" : "")
                    + " for both UDP and TCP: " + last.getMessage(), last);
        }

        private static Channel bindUdp(EventLoopGroup group, QueryProcessor processor, InetSocketAddress address)
                throws IOException {
            return await(new Bootstrap()
                    .group(group)
                    .channel(NioDatagramChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast("response-encoder", new Codecs.UdpResponseEncoder());
                            ch.pipeline().addLast("query-decoder", new Codecs.UdpQueryDecoder());
                            ch.pipeline().addLast("queries", new DnsServerHandler(processor));
                        }
                    })
                    .bind(address));
        }

        private static Channel bindTcp(EventLoopGroup group, QueryProcessor processor, InetSocketAddress address)
                throws IOException {
            return await(new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            // Stub resolvers hold TCP connections open for more queries, but not forever.
                            ch.pipeline().addLast("idle", new ReadTimeoutHandler(30));
                            ch.pipeline().addLast("response-encoder", new TcpDnsResponseEncoder());
                            ch.pipeline().addLast("query-decoder", new TcpDnsQueryDecoder());
                            ch.pipeline().addLast("queries", new DnsServerHandler(processor));
                        }
                    })
                    .bind(address));
        }

        private static Channel await(ChannelFuture binding) throws IOException {
            binding.awaitUninterruptibly();
            if (binding.isSuccess()) {
                return binding.channel();
            }
            Throwable cause = binding.cause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new BindException(String.valueOf(cause));
        }
    }
}
