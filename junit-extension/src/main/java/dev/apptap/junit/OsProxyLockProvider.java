package dev.apptap.junit;

import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectorProvider;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLocksProvider;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Shares {@value InterceptApps#OFFLINE_LOCK} among online tests and gives it to offline ones alone, because offline
 * mode is one switch of the shared engine. Locks {@value InterceptApps#OSPROXY_LOCK} for tests that may run in
 * OSPROXY mode, and for nothing else: a composed {@code @ResourceLock("…")} would serialize LAUNCH tests too, which
 * need no lock. OSPROXY tests share it when their spec only names programs and pids, since the JVM's redirector can
 * serve the union of such specs ({@link RunningSpecs}); a spec with exclusions or MACHINE scope takes it exclusively.
 * Providers cannot read configuration parameters, so a mode left to {@code apptap.mode} counts as OSPROXY whenever a
 * redirector is installed; that only costs parallelism, never correctness. A scope left to {@code apptap.scope}
 * counts as JVM; {@link RunningSpecs} reports a clash in a sentence.
 */
final class OsProxyLockProvider implements ResourceLocksProvider {

    private static final Lock OSPROXY = new Lock(InterceptApps.OSPROXY_LOCK);
    private static final Lock OSPROXY_SHARED = new Lock(InterceptApps.OSPROXY_LOCK, ResourceAccessMode.READ);
    private static final Lock OFFLINE = new Lock(InterceptApps.OFFLINE_LOCK);
    private static final Lock ONLINE = new Lock(InterceptApps.OFFLINE_LOCK, ResourceAccessMode.READ);

    /** ServiceLoader scans the class path; once per JVM is enough, since it does not change. */
    private static volatile Boolean redirectorInstalled;

    @Override
    public Set<Lock> provideForClass(Class<?> testClass) {
        return locksFor(testClass);
    }

    @Override
    public Set<Lock> provideForNestedClass(List<Class<?>> enclosingInstanceTypes, Class<?> testClass) {
        return locksFor(testClass);
    }

    @Override
    public Set<Lock> provideForMethod(List<Class<?>> enclosingInstanceTypes, Class<?> testClass, Method testMethod) {
        return locksFor(testMethod);
    }

    private static Set<Lock> locksFor(AnnotatedElement element) {
        Optional<InterceptApps> annotation = AnnotationSupport.findAnnotation(element, InterceptApps.class);
        if (annotation.isEmpty()) {
            return Set.of();
        }
        // A replay answers every request of the engine while its test runs, as offline mode does.
        Lock offline = annotation.get().offline() || !annotation.get().replay().isEmpty() ? OFFLINE : ONLINE;
        if (!mayUseOsProxy(annotation.get().mode())) {
            return Set.of(offline);
        }
        return Set.of(runsAlone(annotation.get()) ? OSPROXY : OSPROXY_SHARED, offline);
    }

    /** MACHINE scope, or a spec whose exclusions have no union with other specs (or that does not parse). */
    static boolean runsAlone(InterceptApps annotation) {
        if (annotation.scope() == ProcessScope.MACHINE) {
            return true;
        }
        try {
            return InterceptSpec.of(List.of(annotation.value())).items().stream().anyMatch(InterceptSpec.Item::exclude);
        } catch (IllegalArgumentException e) {
            return true; // the test fails with the parse error; holding the lock costs nothing then
        }
    }

    static boolean mayUseOsProxy(InterceptMode mode) {
        return switch (mode) {
            case OSPROXY -> true;
            case LAUNCH -> false;
            case AUTO, DEFAULT -> redirectorInstalled();
        };
    }

    private static boolean redirectorInstalled() {
        Boolean installed = redirectorInstalled;
        if (installed == null) {
            installed = !RedirectorProvider.installed().isEmpty();
            redirectorInstalled = installed;
        }
        return installed;
    }
}
