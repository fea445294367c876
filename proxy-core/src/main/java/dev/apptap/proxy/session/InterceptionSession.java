package dev.apptap.proxy.session;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.TrustExports;
import dev.apptap.proxy.dns.DnsAnswer;
import dev.apptap.proxy.dns.DnsPolicy;
import dev.apptap.proxy.dns.DnsResponder;
import dev.apptap.proxy.dns.LoopbackAddressPool;
import dev.apptap.proxy.dns.RuleSetDnsPolicy;
import dev.apptap.proxy.engine.ProxyEngine;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.ProcessInfo;
import dev.apptap.proxy.redirect.ConnectionHandover;
import dev.apptap.proxy.netns.NetworkNamespace;
import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import dev.apptap.proxy.redirect.RedirectorProvider;
import dev.apptap.proxy.rules.RuleSet;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One interception run, wired in one place: the CA and its trust files, the engine with its local-name resolver and,
 * when {@link SessionOptions#redirector() a redirector} is given (OSPROXY), the transparent listeners, apptap's DNS
 * responder and the redirector itself. The JUnit extension, the CLI and the benchmark are thin adapters over it; a new
 * redirector (macOS, containers) plugs in here and nowhere else.
 *
 * <pre>{@code
 * RedirectorChoice choice = RedirectorChoice.firstUsable(RedirectorProvider.installed());
 * SessionOptions.Builder options = SessionOptions.builder();
 * choice.provider().ifPresent(options::redirector);
 * try (InterceptionSession session = InterceptionSession.start(options.build())) {
 *     session.redirector().intercept(InterceptSpec.parse("curl"));   // OSPROXY
 *     // or LAUNCH: give apps session.explicitProxy() and session.trust()
 *     session.flows().addListener(System.out::println);
 * }
 * }</pre>
 *
 * <p>Closing undoes every change to the system: the redirector goes first, so that no app is sent to an engine that
 * no longer listens.
 */
public final class InterceptionSession implements AutoCloseable {

    private final SessionOptions options;
    private final TrustExports trust;
    private final ProxyEngine engine;
    private final Optional<DnsResponder> dns;
    private Redirector redirector;
    private boolean closed;

    private InterceptionSession(SessionOptions options, TrustExports trust, ProxyEngine engine,
                                Optional<DnsResponder> dns) {
        this.options = options;
        this.trust = trust;
        this.engine = engine;
        this.dns = dns;
    }

    /**
     * Writes the trust files and starts the engine (and, for OSPROXY, the DNS responder); the redirector starts on
     * the first call to {@link #redirector()}.
     *
     * @throws IllegalStateException when a listener cannot be bound, or transparent listening is impossible here
     */
    public static InterceptionSession start(SessionOptions options) {
        TrustExports trust = TrustExports.write(options.ca());
        if (options.redirector().isEmpty()) {
            return new InterceptionSession(options, trust, engine(options, trust, Optional.empty(), false).start(),
                    Optional.empty());
        }
        // Apps caught transparently resolve names themselves: apptap answers them, so *.test names and stubbed hosts
        // reach the engine, and without system lookups no lookup leaves the machine.
        LoopbackAddressPool pool = new LoopbackAddressPool();
        DnsResponder dns = DnsResponder.builder(options.flows()).addressPool(pool).policy(dnsPolicy(options)).start();
        try {
            return new InterceptionSession(options, trust, transparentEngine(options, trust, pool), Optional.of(dns));
        } catch (RuntimeException e) {
            dns.close();
            throw e;
        }
    }

    /** IPv4 and IPv6 loopback listeners; a host without IPv6 loopback gets the IPv4 one only. */
    private static ProxyEngine transparentEngine(SessionOptions options, TrustExports trust, LoopbackAddressPool pool) {
        try {
            return engine(options, trust, Optional.of(pool), true).start();
        } catch (IllegalStateException e) {
            // The redirector then sends IPv6 apps to the IPv4 listener, which fails those connections visibly rather
            // than the whole run.
            return engine(options, trust, Optional.of(pool), false).start();
        }
    }

    private static ProxyEngine.Builder engine(SessionOptions options, TrustExports trust,
                                              Optional<LoopbackAddressPool> pool, boolean ipv6) {
        ProxyEngine.Builder builder = ProxyEngine.builder();
        options.tuning().accept(builder);
        builder.certificateAuthority(options.ca())
                .flows(options.flows())
                .rules(options.rules())
                .bodyLimit(options.bodyLimit())
                .upstreamInsecure(options.upstreamInsecure())
                .upstreamTrust(options.upstreamTrust().toArray(new X509Certificate[0]))
                .passthrough(options.passthrough().toArray(new String[0]))
                .hostResolver(new LocalNames(options.systemLookups(), options.lookupAdvice()))
                .caFilesForMessages(trust);
        for (Path file : options.upstreamTrustFiles()) {
            builder.upstreamTrust(file);
        }
        if (options.workerThreads() > 0) {
            builder.workerThreads(options.workerThreads());
        }
        options.redirector().flatMap(RedirectorProvider::upstreamSourcePorts).ifPresent(builder::upstreamSourcePorts);
        pool.ifPresent(addresses -> {
            builder.dnsAddresses(addresses);
            builder.transparentListener(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            if (ipv6) {
                builder.transparentListener(new InetSocketAddress("::1", 0));
            }
        });
        return builder;
    }

    /**
     * Names a rule could match, local names and (without system lookups) every name get a loopback address the engine
     * maps back to the name; offline, the rest get an offline answer; otherwise the query is forwarded.
     */
    private static DnsPolicy dnsPolicy(SessionOptions options) {
        RuleSetDnsPolicy rules = new RuleSetDnsPolicy(options.rules());
        boolean systemLookups = options.systemLookups();
        return (name, type) -> {
            Optional<DnsAnswer> answer = rules.answer(name, type);
            if (answer.isPresent()) {
                return answer;
            }
            return LocalNames.isLocal(name) || !systemLookups ? Optional.of(DnsAnswer.stubbed()) : Optional.empty();
        };
    }

    public CertificateAuthority ca() {
        return options.ca();
    }

    /** The CA's certificate, bundle and trust store files, for apps and the user. */
    public TrustExports trust() {
        return trust;
    }

    public FlowStore flows() {
        return engine.flows();
    }

    /** The live rules: stubs, routes and offline mode added while the session runs apply to the next request. */
    public RuleSet rules() {
        return engine.rules();
    }

    /** Where the explicit proxy listens, for LAUNCH mode's proxy variables. */
    public InetSocketAddress explicitProxy() {
        return engine.explicitAddress();
    }

    /** The transparent listeners a redirector sends connections to: IPv4 first; empty in LAUNCH mode. */
    public List<InetSocketAddress> transparentAddresses() {
        return engine.transparentAddresses();
    }

    /** Whether this session intercepts transparently (it was given a redirector). */
    public boolean transparent() {
        return options.redirector().isPresent();
    }

    /**
     * The redirector, started on first use; it intercepts nothing until told what.
     *
     * @throws IllegalStateException when the session has no redirector (LAUNCH mode) or is closed
     * @throws UncheckedIOException  when the redirector cannot start
     */
    public synchronized Redirector redirector() {
        if (closed) {
            throw new IllegalStateException("This apptap session was already closed, so it cannot intercept apps.");
        }
        if (redirector == null) {
            RedirectorProvider provider = options.redirector().orElseThrow(() -> new IllegalStateException(
                    "This apptap session runs without a redirector (LAUNCH mode), so it cannot intercept apps"
                            + " transparently; give SessionOptions a redirector for OSPROXY mode."));
            List<InetSocketAddress> listeners = engine.transparentAddresses();
            InetSocketAddress v4 = listeners.get(0);
            RedirectTarget target = new RedirectTarget(v4, listeners.size() > 1 ? listeners.get(1) : v4,
                    dns.map(DnsResponder::address), Set.of(ProcessHandle.current().pid()),
                    Optional.of(engine.explicitAddress()), Optional.of(this::listenIn));
            try {
                redirector = provider.start(target, handover());
            } catch (IOException e) {
                throw new UncheckedIOException("apptap could not start the " + provider.name() + " redirector: "
                        + e.getMessage(), e);
            }
        }
        return redirector;
    }

    private ConnectionHandover handover() {
        return new ConnectionHandover() {
            @Override
            public EventLoopGroup eventLoops() {
                return engine.eventLoopGroup();
            }

            @Override
            public void adopt(Channel channel, InetSocketAddress destination, ProcessInfo process) {
                engine.adopt(channel, destination, process);
            }
        };
    }

    /** The engine's transparent listeners and the DNS responder, opened again in another network namespace. */
    private AutoCloseable listenIn(NetworkNamespace namespace) throws IOException {
        AutoCloseable listeners = engine.transparentListenersIn(namespace);
        if (dns.isEmpty()) {
            return listeners;
        }
        AutoCloseable resolver;
        try {
            resolver = dns.get().listenIn(namespace);
        } catch (IOException e) {
            closeQuietly(listeners);
            throw e;
        }
        return () -> {
            try {
                resolver.close();
            } finally {
                listeners.close();
            }
        };
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing what was just opened: nothing to report beyond the failure that led here
        }
    }

    /** The running redirector's description for reports, if it has started. */
    public synchronized Optional<String> redirectorDescription() {
        return Optional.ofNullable(redirector).map(Redirector::describe);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (redirector != null) {
                redirector.close();
            }
        } finally {
            try {
                engine.close();
            } finally {
                dns.ifPresent(DnsResponder::close);
            }
        }
    }
}
