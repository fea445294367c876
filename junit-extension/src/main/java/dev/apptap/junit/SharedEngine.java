package dev.apptap.junit;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.TrustExports;
import dev.apptap.flow.FlowStore;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.Redirector;
import dev.apptap.proxy.redirect.RedirectorProvider;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.session.InterceptionSession;
import dev.apptap.proxy.session.RedirectorChoice;
import dev.apptap.proxy.session.SessionOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The {@link InterceptionSession} of one {@link EngineKey}: started once in the root store, and handed back by JUnit
 * when the run ends. It adds what only tests need: the offline votes and the specs of the running OSPROXY tests.
 *
 * <p>A JVM that runs JUnit again (an IDE, a launcher per test class, the benchmark) gets the same engine back when its
 * settings are equal: starting one costs the trust files, the listeners and, for OSPROXY, loading and attaching the
 * eBPF programs, hundreds of milliseconds that no test should pay again. One engine is kept between runs; it
 * intercepts nothing meanwhile (no test runs, so its redirector's spec is empty), a run with other settings closes it
 * first, and a shutdown hook closes it when the JVM exits (the kernel detaches the eBPF programs even on
 * {@code kill -9}).
 */
@SuppressWarnings("deprecation") // CloseableResource: JUnit 5.12 closes only those; 5.13+ also closes AutoCloseable
final class SharedEngine implements ExtensionContext.Store.CloseableResource, AutoCloseable {

    /** How many engines this JVM started: lets the extension's own tests prove "once per run". */
    static final AtomicInteger STARTS = new AtomicInteger();

    /** Kernel interception is machine-wide, so one engine at a time may own a redirector. */
    private static final AtomicReference<SharedEngine> REDIRECTING = new AtomicReference<>();

    private static final Object PARKING = new Object();
    /** The engine of an ended run, kept for the next; guarded by PARKING, as is hookAdded. */
    private static SharedEngine parked;
    private static boolean hookAdded;

    /** What an engine was started for: a parked engine serves a run that asks for the same. */
    private record Identity(EngineKey key, String redirector) {
        static Identity of(EngineKey key, RedirectorChoice osProxy) {
            return new Identity(key, osProxy.provider().map(RedirectorProvider::name).orElse(""));
        }
    }

    private final InterceptionSession session;
    private final Identity identity;
    private final OfflineVotes offline;
    /** The programs' environment per mode: the same for every test of the run, so built once. */
    private final Map<InterceptMode, Map<String, String>> environments = new ConcurrentHashMap<>();
    private Redirector redirector;
    private RunningSpecs runningSpecs;
    private boolean closed;

    private SharedEngine(InterceptionSession session, Identity identity) {
        this.session = session;
        this.identity = identity;
        this.offline = new OfflineVotes(session.rules());
    }

    /** The engine an ended run left with these settings, else a new one (closing a kept one with other settings). */
    static SharedEngine obtain(EngineKey key, RedirectorChoice osProxy) {
        Identity wanted = Identity.of(key, osProxy);
        SharedEngine kept;
        synchronized (PARKING) {
            kept = parked;
            parked = null;
        }
        if (kept != null) {
            if (kept.identity.equals(wanted)) {
                return kept;
            }
            kept.shutDown();
        }
        return start(key, osProxy, wanted);
    }

    private static SharedEngine start(EngineKey key, RedirectorChoice osProxy, Identity identity) {
        CertificateAuthority ca = key.caDirectory()
                .map(dir -> dir.equalsIgnoreCase(Config.EPHEMERAL) ? CertificateAuthority.ephemeral()
                        : CertificateAuthority.loadOrCreate(Path.of(dir)))
                .orElseGet(CertificateAuthority::userDefault);
        SessionOptions.Builder options = SessionOptions.builder()
                .certificateAuthority(ca)
                .rules(new RuleSet())
                .bodyLimit(key.bodyLimit())
                .flowWindow(key.flowWindow())
                .upstreamInsecure(key.upstreamInsecure())
                .upstreamTrust(key.upstreamTrust())
                .systemLookups(key.systemLookups(), "set the configuration parameter " + Config.RESOLVE
                        + "=system to let apps reach other hosts");
        osProxy.provider().ifPresent(options::redirector);
        SharedEngine shared = new SharedEngine(InterceptionSession.start(options.build()), identity);
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

    /** What programs a test starts get in {@code mode}: see {@link ChildEnvironment}. */
    Map<String, String> environment(InterceptMode mode) {
        return environments.computeIfAbsent(mode, m -> ChildEnvironment.build(System.getenv(), m,
                session.explicitProxy(), session.trust()));
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
            if (!REDIRECTING.compareAndSet(null, this) && !(releaseParkedRedirector()
                    && REDIRECTING.compareAndSet(null, this))) {
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

    /** The run is over: keeps this engine for the next run in this JVM, closing the one kept before. */
    @Override
    public void close() {
        SharedEngine previous;
        synchronized (PARKING) {
            previous = parked;
            parked = this;
            if (!hookAdded) {
                hookAdded = true;
                Runtime.getRuntime().addShutdownHook(new Thread(SharedEngine::shutDownParked, "apptap-engine-stop"));
            }
        }
        if (previous != null && previous != this) {
            previous.shutDown();
        }
    }

    /** Closes the engine an ended run kept if it owns the redirector (a nested run's); whether it did. */
    private static boolean releaseParkedRedirector() {
        SharedEngine owner;
        synchronized (PARKING) {
            owner = parked;
            if (owner == null || REDIRECTING.get() != owner) {
                return false;
            }
            parked = null;
        }
        owner.shutDown();
        return true;
    }

    private static void shutDownParked() {
        SharedEngine kept;
        synchronized (PARKING) {
            kept = parked;
            parked = null;
        }
        if (kept != null) {
            kept.shutDown();
        }
    }

    /** Closes the session: listeners, DNS responder, redirector and trust files of an ephemeral CA. */
    synchronized void shutDown() {
        closed = true;
        try {
            session.close();
        } finally {
            REDIRECTING.compareAndSet(this, null);
        }
    }
}
