package dev.apptap.junit;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.TrustExports;
import dev.apptap.proxy.engine.ProxyEngine;
import dev.apptap.proxy.flow.FlowStore;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The engine, its CA and trust files, and (once an OSPROXY test asks) the redirector: started once per
 * {@link EngineKey} in the root store and closed by JUnit when the run ends.
 */
@SuppressWarnings("deprecation") // CloseableResource: JUnit 5.12 closes only those; 5.13+ also closes AutoCloseable
final class SharedEngine implements ExtensionContext.Store.CloseableResource, AutoCloseable {

    /** How many engines this JVM started: lets the extension's own tests prove "once per run". */
    static final AtomicInteger STARTS = new AtomicInteger();

    /** Kernel interception is machine-wide, so one engine at a time may own a redirector. */
    private static final java.util.concurrent.atomic.AtomicReference<SharedEngine> REDIRECTING =
            new java.util.concurrent.atomic.AtomicReference<>();

    private final CertificateAuthority ca;
    private final TrustExports trust;
    private final ProxyEngine engine;
    private final OfflineVotes offline;
    private Redirector redirector;
    private RunningSpecs runningSpecs;
    private boolean closed;

    /** Answers the DNS of apps caught transparently; present when a redirector may run. */
    private final Optional<dev.apptap.proxy.dns.DnsResponder> dns;

    private SharedEngine(CertificateAuthority ca, TrustExports trust, ProxyEngine engine,
                         Optional<dev.apptap.proxy.dns.DnsResponder> dns) {
        this.ca = ca;
        this.trust = trust;
        this.engine = engine;
        this.dns = dns;
        this.offline = new OfflineVotes(engine.rules());
    }

    static SharedEngine start(EngineKey key, OsProxyAvailability osProxy) {
        CertificateAuthority ca = key.caDirectory()
                .map(dir -> dir.equalsIgnoreCase(Config.EPHEMERAL) ? CertificateAuthority.ephemeral()
                        : CertificateAuthority.loadOrCreate(Path.of(dir)))
                .orElseGet(CertificateAuthority::userDefault);
        TrustExports trust = TrustExports.write(ca);
        ProxyEngine.Builder builder = ProxyEngine.builder()
                .certificateAuthority(ca)
                .bodyLimit(key.bodyLimit())
                .upstreamInsecure(key.upstreamInsecure())
                .upstreamTrust(key.upstreamTrust().toArray(new X509Certificate[0]))
                .hostResolver(new LoopbackResolver(key.systemLookups()))
                .caFilesForMessages(trust.caCertificate(), trust.caBundle());
        Optional<dev.apptap.proxy.dns.DnsResponder> dns = Optional.empty();
        dev.apptap.proxy.flow.FlowStore flows = new FlowStore();
        dev.apptap.proxy.rules.RuleSet rules = new dev.apptap.proxy.rules.RuleSet();
        builder.flows(flows).rules(rules);
        if (osProxy.available()) {
            builder.transparentListener(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            // Apps caught transparently resolve names themselves: apptap answers them, so *.test names and stubbed
            // hosts work, and without apptap.resolve=system no lookup leaves the machine.
            dev.apptap.proxy.dns.LoopbackAddressPool pool = new dev.apptap.proxy.dns.LoopbackAddressPool();
            dev.apptap.proxy.dns.RuleSetDnsPolicy stubbed = new dev.apptap.proxy.dns.RuleSetDnsPolicy(rules);
            boolean systemLookups = key.systemLookups();
            dns = Optional.of(dev.apptap.proxy.dns.DnsResponder.builder(flows)
                    .addressPool(pool)
                    .policy((name, type) -> {
                        Optional<dev.apptap.proxy.dns.DnsAnswer> answer = stubbed.answer(name, type);
                        if (answer.isPresent() || systemLookups) {
                            return answer;
                        }
                        return Optional.of(dev.apptap.proxy.dns.DnsAnswer.stubbed());
                    })
                    .start());
            builder.dnsAddresses(pool);
        }
        SharedEngine shared = new SharedEngine(ca, trust, builder.start(), dns);
        STARTS.incrementAndGet();
        return shared;
    }

    ProxyEngine engine() {
        return engine;
    }

    FlowStore flows() {
        return engine.flows();
    }

    /** The engine's offline switch, shared by the tests that hold it. */
    OfflineVotes offline() {
        return offline;
    }

    TrustExports trust() {
        return trust;
    }

    CertificateAuthority ca() {
        return ca;
    }

    /**
     * Adds {@code spec} to what the redirector (started on first use) intercepts, until the returned registration is
     * closed: running OSPROXY tests share it, see {@link RunningSpecs}.
     */
    synchronized AutoCloseable intercept(OsProxyAvailability osProxy, String test, InterceptSpec spec,
                                         ProcessScope scope) {
        Redirector started = redirector(osProxy);
        if (runningSpecs == null) {
            runningSpecs = new RunningSpecs(started);
        }
        return runningSpecs.add(test, spec, scope);
    }

    /** The redirector, started on first use. */
    synchronized Redirector redirector(OsProxyAvailability osProxy) {
        if (closed) {
            throw new IllegalStateException("apptap's engine was already closed; the test run is over.");
        }
        if (redirector == null) {
            List<InetSocketAddress> listeners = engine.transparentAddresses();
            if (listeners.isEmpty() || osProxy.provider().isEmpty()) {
                throw new IllegalStateException(osProxy.reason());
            }
            if (!REDIRECTING.compareAndSet(null, this)) {
                throw new org.junit.jupiter.api.extension.ExtensionConfigurationException("Another apptap engine"
                        + " already owns the redirector: OSPROXY tests in one run must share the CA, bodyLimit,"
                        + " upstreamInsecure, upstream trust and offline settings, because one redirector serves one"
                        + " engine; give them the same settings or run them in separate test runs.");
            }
            InetSocketAddress v4 = listeners.get(0);
            RedirectTarget target = new RedirectTarget(v4, listeners.size() > 1 ? listeners.get(1) : v4,
                    dns.map(dev.apptap.proxy.dns.DnsResponder::address), Set.of(ProcessHandle.current().pid()),
                    Optional.of(engine.explicitAddress()));
            try {
                redirector = osProxy.provider().get().start(target);
            } catch (IOException e) {
                REDIRECTING.set(null);
                throw new UncheckedIOException("apptap could not start the " + osProxy.provider().get().name()
                        + " redirector: " + e.getMessage(), e);
            }
        }
        return redirector;
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
                REDIRECTING.compareAndSet(this, null);
            }
        } finally {
            engine.close();
            dns.ifPresent(dev.apptap.proxy.dns.DnsResponder::close);
        }
    }
}
