package dev.apptap.junit;

import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.Flows;
import dev.apptap.proxy.redirect.Redirector;
import dev.apptap.proxy.session.RedirectorChoice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One test's share of the shared engine: its flow window, its processes and its redirector spec, opened before the
 * test and closed after it (by the extension, and by JUnit's store as a backstop).
 */
@SuppressWarnings("deprecation") // CloseableResource: JUnit 5.12 closes only those; 5.13+ also closes AutoCloseable
final class TestScope implements ExtensionContext.Store.CloseableResource, AutoCloseable {

    /** The trackers of every running test, so a test sees no flows of processes another test started. */
    private static final Set<ProcessTracker> RUNNING = ConcurrentHashMap.newKeySet();

    /**
     * Flows of processes some test started, by flow id, decided when each flow arrived (while its process lived):
     * they stay out of every other test's window even after the test that started them has ended.
     */
    private static final Map<Long, ProcessTracker> CLAIMED = new ConcurrentHashMap<>();

    private final Settings settings;
    private final ModeChoice mode;
    private final SharedEngine shared;
    private final ProcessTracker tracker;
    private final Flows flows;
    private final Apps apps;
    private final InterceptRuntime runtime;
    private final Stubs stubs;
    private final FlowStore.Registration classifier;
    private final Optional<Redirector> redirector;
    private final Optional<AutoCloseable> interception;
    private final List<AutoCloseable> attachments = new ArrayList<>();
    private boolean closed;

    private TestScope(Settings settings, ModeChoice mode, SharedEngine shared, ProcessTracker tracker, Flows flows,
                      Apps apps, InterceptRuntime runtime, Stubs stubs, FlowStore.Registration classifier,
                      Optional<Redirector> redirector, Optional<AutoCloseable> interception) {
        this.settings = settings;
        this.mode = mode;
        this.shared = shared;
        this.tracker = tracker;
        this.flows = flows;
        this.apps = apps;
        this.runtime = runtime;
        this.stubs = stubs;
        this.classifier = classifier;
        this.redirector = redirector;
        this.interception = interception;
    }

    static TestScope open(String test, Settings settings, ModeChoice mode, SharedEngine shared,
                          RedirectorChoice osProxy) {
        Flows since = shared.flows().since(shared.flows().mark());
        // Next, since a spec that cannot join the running tests' fails here, before anything needs undoing.
        Optional<Redirector> redirector = Optional.empty();
        Optional<AutoCloseable> interception = Optional.empty();
        if (mode.mode() == InterceptMode.OSPROXY) {
            interception = Optional.of(shared.intercept(osProxy, test, settings.spec(), settings.scope()));
            redirector = Optional.of(shared.redirector(osProxy));
        }
        ProcessTracker tracker = new ProcessTracker();
        Flows flows = mode.mode() == InterceptMode.LAUNCH
                ? since.filter("from processes this test started", f -> tracker.owns(f.process().pid()))
                : since.filter("not from processes other tests started", f -> ownedOrUnclaimed(tracker, f));
        // Decides ownership while each process still lives: a filter evaluated later may find it gone.
        FlowStore.Registration classifier = since.addListener(f -> {
            if (tracker.owns(f.process().pid())) {
                CLAIMED.putIfAbsent(f.id(), tracker);
            }
        });
        Map<String, String> environment = shared.environment(mode.mode());
        Apps apps = new Apps(environment, settings.timeout(), tracker);
        InterceptRuntime runtime = new InterceptRuntime(mode.mode(), mode.reason(), shared.trust().caCertificate(),
                shared.trust().caBundle(), shared.trust().trustStore(), environment,
                shared.explicitProxy(), redirector.map(Redirector::describe), settings.timeout());
        Stubs stubs = new Stubs(shared.rules(), shared.offline());
        // First, so that the test's own stubs win over the recording.
        settings.replay().ifPresent(stubs::replay);
        if (settings.offline()) {
            // Before the test's first app starts, so that not even its first request can leave the machine.
            stubs.offline();
        }
        RUNNING.add(tracker);
        return new TestScope(settings, mode, shared, tracker, flows, apps, runtime, stubs, classifier, redirector,
                interception);
    }

    /**
     * In OSPROXY mode a test sees its own processes' flows and those no test started (an app started by other means,
     * a daemon in MACHINE scope), but none of another test's, even one that has ended since.
     */
    private static boolean ownedOrUnclaimed(ProcessTracker tracker, Flow flow) {
        ProcessTracker claimant = CLAIMED.get(flow.id());
        if (claimant != null) {
            return claimant == tracker;
        }
        long pid = flow.process().pid();
        return tracker.owns(pid) || RUNNING.stream().noneMatch(other -> other != tracker && other.owns(pid));
    }

    Settings settings() {
        return settings;
    }

    ModeChoice mode() {
        return mode;
    }

    SharedEngine shared() {
        return shared;
    }

    ProcessTracker tracker() {
        return tracker;
    }

    Flows flows() {
        return flows;
    }

    /** The test's flows the window still holds: reports show those rather than fail on ones it evicted. */
    List<Flow> flowList() {
        return flows.retainedFlows();
    }

    Apps apps() {
        return apps;
    }

    InterceptRuntime runtime() {
        return runtime;
    }

    Stubs stubs() {
        return stubs;
    }

    /** Ties a per-test fixture (such as stubs) to this scope: it is closed when the test ends. */
    synchronized <T extends AutoCloseable> T attach(T fixture) {
        attachments.add(fixture);
        return fixture;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            apps.endAll();
            for (AutoCloseable attachment : attachments) {
                try {
                    attachment.close();
                } catch (Exception e) {
                    throw new IllegalStateException("apptap could not close " + attachment + ": " + e.getMessage(), e);
                }
            }
        } finally {
            // After the apps are gone: a request still in flight would otherwise reach the network unstubbed.
            try {
                interception.ifPresent(TestScope::closeInterception);
            } finally {
                stubs.close();
                classifier.close();
                RUNNING.remove(tracker);
                if (RUNNING.isEmpty()) {
                    CLAIMED.clear(); // no window is open that could show those flows
                }
            }
        }
    }

    private static void closeInterception(AutoCloseable interception) {
        try {
            interception.close();
        } catch (Exception e) {
            throw new IllegalStateException("apptap could not stop intercepting this test's spec: " + e.getMessage(), e);
        }
    }
}
