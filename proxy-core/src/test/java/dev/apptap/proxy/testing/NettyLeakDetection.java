package dev.apptap.proxy.testing;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Fails a test when Netty reports a leak during it. Registered for every proxy-core test through
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension} (autodetection is on in
 * {@code junit-platform.properties}).
 *
 * <p>Netty only logs leaks, and only when a later allocation happens to notice a garbage-collected buffer that
 * was never released. This installs a {@link ResourceLeakDetectorFactory} whose detectors collect those reports,
 * and after each test forces a collection and a detection pass so the report lands on the test that leaked.
 * The factory has to be in place before Netty creates its buffer detector (a static field of
 * {@code AbstractByteBuf}), so {@link Installer} installs it when the launcher session opens, before any test
 * class is loaded; the extension checks that this worked.
 *
 * <p>A leak is noticed only once the leaked object is unreachable, so a buffer still held by a server an earlier
 * test forgot to close is blamed on whichever test runs when it becomes garbage. The check costs a few explicit
 * GCs per test (tens of milliseconds) and does nothing under {@code -XX:+DisableExplicitGC}.
 */
public final class NettyLeakDetection implements AfterEachCallback, AfterAllCallback {

    private static final Queue<String> REPORTS = new ConcurrentLinkedQueue<>();
    private static final List<CollectingDetector<?>> DETECTORS = new CopyOnWriteArrayList<>();
    private static final int DETECTION_ROUNDS = 3;

    static {
        install();
    }

    /** Installs the collecting factory once; later calls do nothing. */
    public static synchronized void install() {
        if (ResourceLeakDetectorFactory.instance() instanceof CollectingFactory) {
            return;
        }
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            // The build sets PARANOID; an IDE run without the argLine should be just as strict.
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new CollectingFactory());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        verifyNoLeaks(context.getTestClass().map(type -> type.getSimpleName() + " ").orElse("") + context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // Catches what class-level servers leaked while @AfterAll closed them.
        verifyNoLeaks(context.getDisplayName());
    }

    /**
     * Collects garbage, lets every detector look for unreleased garbage-collected resources, and throws an
     * {@link AssertionError} listing every leak reported since the last call.
     *
     * @param where names the test in the message
     */
    public static void verifyNoLeaks(String where) {
        checkInstalled();
        List<String> leaks = detectLeaks();
        if (!leaks.isEmpty()) {
            StringBuilder message = new StringBuilder()
                    .append("Netty reported ").append(leaks.size()).append(leaks.size() == 1 ? " leak" : " leaks")
                    .append(" by the end of ").append(where)
                    .append(": a reference-counted object became garbage without release() being called.")
                    .append(" The records below show where it was created and last touched.");
            for (String leak : leaks) {
                message.append("%n%n".formatted()).append(leak);
            }
            throw new AssertionError(message.toString());
        }
    }

    /** Runs detection and returns (and forgets) every leak reported since the last call, without failing. */
    public static List<String> detectLeaks() {
        for (int round = 0; round < DETECTION_ROUNDS && REPORTS.isEmpty(); round++) {
            System.gc();
            if (round > 0) {
                // Cleared references reach their queues on the JDK's reference-handler thread, a moment after the GC.
                sleep(10L * round);
            }
            DETECTORS.forEach(CollectingDetector::poll);
        }
        List<String> drained = new ArrayList<>();
        for (String report; (report = REPORTS.poll()) != null; ) {
            drained.add(report);
        }
        return drained;
    }

    private static volatile boolean installationChecked;

    private static void checkInstalled() {
        if (installationChecked) {
            return;
        }
        Object bufferDetector;
        try {
            Field field = Class.forName("io.netty.buffer.AbstractByteBuf").getDeclaredField("leakDetector");
            field.setAccessible(true);
            bufferDetector = field.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Netty renamed its internals: trust the factory rather than fail every test.
            installationChecked = true;
            return;
        }
        if (!(bufferDetector instanceof CollectingDetector)) {
            throw new ExtensionConfigurationException("Netty created its ByteBuf leak detector before NettyLeakDetection could"
                    + " install its factory, so buffer leaks would go unnoticed; make sure NettyLeakDetection$Installer is listed"
                    + " in META-INF/services/org.junit.platform.launcher.LauncherSessionListener.");
        }
        installationChecked = true;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Installs the factory as early as JUnit lets anything run, before test classes can touch Netty. */
    public static final class Installer implements LauncherSessionListener {
        @Override
        public void launcherSessionOpened(LauncherSession session) {
            install();
        }
    }

    private static final class CollectingFactory extends ResourceLeakDetectorFactory {

        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
            return newResourceLeakDetector(resource, samplingInterval);
        }

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            CollectingDetector<T> detector = new CollectingDetector<>(resource, samplingInterval);
            DETECTORS.add(detector);
            return detector;
        }
    }

    private static final class CollectingDetector<T> extends ResourceLeakDetector<T> {

        CollectingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        /** Makes the detector process its reference queue, which it otherwise does only on the next allocation. */
        void poll() {
            Object probe = new Object();
            // Tracking anything runs the detector's report pass; the probe is released at once.
            @SuppressWarnings("unchecked")
            ResourceLeakTracker<Object> tracker = ((ResourceLeakDetector<Object>) (ResourceLeakDetector<?>) this).trackForcibly(probe);
            if (tracker != null) {
                tracker.close(probe);
            }
        }

        @Override
        protected boolean needReport() {
            // Report even when Netty's logger is off: the report is the failure, not a log line.
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            REPORTS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected." + records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            REPORTS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected"
                    + " (no records: raise io.netty.leakDetection.level to PARANOID to see where it was created).");
        }
    }
}
