package dev.apptap.junit;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.TrustExports;
import dev.apptap.flow.FlowStore;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.Redirector;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.session.InterceptionSession;
import dev.apptap.proxy.session.RedirectorChoice;
import dev.apptap.proxy.session.SessionOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The {@link InterceptionSession} of one {@link EngineKey}: started once in the root store and closed by JUnit when
 * the run ends. It adds what only tests need: the offline votes and the specs of the running OSPROXY tests.
 */
@SuppressWarnings("deprecation") // CloseableResource: JUnit 5.12 closes only those; 5.13+ also closes AutoCloseable
final class SharedEngine implements ExtensionContext.Store.CloseableResource, AutoCloseable {

    /** How many engines this JVM started: lets the extension's own tests prove "once per run". */
    static final AtomicInteger STARTS = new AtomicInteger();

    /** Kernel interception is machine-wide, so one engine at a time may own a redirector. */
    private static final AtomicReference<SharedEngine> REDIRECTING = new AtomicReference<>();

    private final InterceptionSession session;
    private final OfflineVotes offline;
    private Redirector redirector;
    private RunningSpecs runningSpecs;
    private boolean closed;

    private SharedEngine(InterceptionSession session) {
        this.session = session;
        this.offline = new OfflineVotes(session.rules());
    }

    static SharedEngine start(EngineKey key, RedirectorChoice osProxy) {
        CertificateAuthority ca = key.caDirectory()
                .map(dir -> dir.equalsIgnoreCase(Config.EPHEMERAL) ? CertificateAuthority.ephemeral()
                        : CertificateAuthority.loadOrCreate(Path.of(dir)))
                .orElseGet(CertificateAuthority::userDefault);
        SessionOptions.Builder options = SessionOptions.builder()
                .certificateAuthority(ca)
                .rules(new RuleSet())
                .bodyLimit(key.bodyLimit())
                .upstreamInsecure(key.upstreamInsecure())
                .upstreamTrust(key.upstreamTrust())
                .systemLookups(key.systemLookups(), "set the configuration parameter " + Config.RESOLVE
                        + "=system to let apps reach other hosts");
        osProxy.provider().ifPresent(options::redirector);
        SharedEngine shared = new SharedEngine(InterceptionSession.start(options.build()));
        STARTS.incrementAndGet();
        return shared;
    }

    FlowStore flows() {
        return session.flows();
    }

    RuleSet rules() {
        return session.rules();
    }

    InetSocketAddress explicitProxy() {
        return session.explicitProxy();
    }

    /** The engine's offline switch, shared by the tests that hold it. */
    OfflineVotes offline() {
        return offline;
    }

    TrustExports trust() {
        return session.trust();
    }

    CertificateAuthority ca() {
        return session.ca();
    }

    /**
     * Adds {@code spec} to what the redirector (started on first use) intercepts, until the returned registration is
     * closed: running OSPROXY tests share it, see {@link RunningSpecs}.
     */
    synchronized AutoCloseable intercept(RedirectorChoice osProxy, String test, InterceptSpec spec,
                                         ProcessScope scope) {
        Redirector started = redirector(osProxy);
        if (runningSpecs == null) {
            runningSpecs = new RunningSpecs(started);
        }
        return runningSpecs.add(test, spec, scope);
    }

    /** The redirector, started on first use. */
    synchronized Redirector redirector(RedirectorChoice osProxy) {
        if (closed) {
            throw new IllegalStateException("apptap's engine was already closed; the test run is over.");
        }
        if (redirector == null) {
            if (!session.transparent()) {
                throw new IllegalStateException(osProxy.reason());
            }
            if (!REDIRECTING.compareAndSet(null, this)) {
                throw new ExtensionConfigurationException("Another apptap engine"
                        + " already owns the redirector: OSPROXY tests in one run must share the CA, bodyLimit,"
                        + " upstreamInsecure, upstream trust and offline settings, because one redirector serves one"
                        + " engine; give them the same settings or run them in separate test runs.");
            }
            try {
                redirector = session.redirector();
            } catch (RuntimeException e) {
                REDIRECTING.set(null);
                throw e;
            }
        }
        return redirector;
    }

    @Override
    public synchronized void close() {
        closed = true;
        try {
            session.close();
        } finally {
            REDIRECTING.compareAndSet(this, null);
        }
    }
}
