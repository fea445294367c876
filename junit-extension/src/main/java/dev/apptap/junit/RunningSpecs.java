package dev.apptap.junit;

import dev.apptap.proxy.redirect.InterceptScope;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.Redirector;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * The one redirector of a JVM serves every OSPROXY test running in it: its spec is the union of theirs, and each
 * test's flows are then narrowed to the processes it started ({@link TestScope}). A union of specs that only name
 * programs and pids is those names and pids; a spec with exclusions ({@code "!java"}) or {@link ProcessScope#MACHINE}
 * scope has no such union with a different one, so those tests run alone ({@link OsProxyLockProvider} gives them the
 * lock exclusively) and meeting another test here is a configuration error, reported in a sentence.
 */
final class RunningSpecs {

    private record Entry(String test, InterceptSpec spec, ProcessScope scope) {
    }

    private final Redirector redirector;
    private final List<Entry> running = new ArrayList<>();
    /** What the redirector intercepts now: a test whose spec adds nothing to it costs no kernel update. */
    private Union applied;

    RunningSpecs(Redirector redirector) {
        this.redirector = redirector;
    }

    /** Adds {@code spec} to what is intercepted until the returned registration is closed. */
    synchronized AutoCloseable add(String test, InterceptSpec spec, ProcessScope scope) {
        Entry entry = new Entry(test, spec, scope);
        List<Entry> next = new ArrayList<>(running);
        next.add(entry);
        apply(union(next, entry));
        running.add(entry);
        return () -> remove(entry);
    }

    private synchronized void remove(Entry entry) {
        if (running.remove(entry)) {
            apply(running.isEmpty() ? new Union(InterceptSpec.NOTHING, ProcessScope.JVM) : union(running, null));
        }
    }

    private void apply(Union union) {
        if (union.equals(applied)) {
            return;
        }
        applied = null; // unknown until the redirector took it: a failed update must not be skipped next time
        redirector.intercept(union.spec(), union.scope() == ProcessScope.MACHINE ? InterceptScope.MACHINE
                : InterceptScope.thisJvm());
        applied = union;
    }

    private record Union(InterceptSpec spec, ProcessScope scope) {
    }

    /** The union of {@code entries}' specs; {@code arriving}, when not null, is the test whose arrival may clash. */
    private static Union union(List<Entry> entries, Entry arriving) {
        Set<String> items = new LinkedHashSet<>();
        Entry first = entries.get(0);
        for (Entry entry : entries) {
            if (entry.scope() != first.scope()) {
                throw clash(entries, arriving, entry.test() + " asks for " + scopeName(entry.scope()) + " scope and "
                        + first.test() + " for " + scopeName(first.scope()) + " scope");
            }
            boolean excludes = entry.spec().items().stream().anyMatch(InterceptSpec.Item::exclude);
            if (excludes && entries.stream().anyMatch(e -> !e.spec().equals(entry.spec()))) {
                throw clash(entries, arriving, entry.test() + " has the spec '" + entry.spec() + "', whose exclusions"
                        + " cannot be combined with other specs");
            }
            entry.spec().items().forEach(item -> items.add(item.toString()));
        }
        return new Union(InterceptSpec.of(List.copyOf(items)), first.scope());
    }

    private static ExtensionConfigurationException clash(List<Entry> entries, Entry arriving, String reason) {
        List<String> others = entries.stream().filter(e -> e != arriving)
                .map(e -> e.test() + " ('" + e.spec() + "', " + scopeName(e.scope()) + ")").toList();
        return new ExtensionConfigurationException("The OSPROXY test " + (arriving == null ? "?" : arriving.test())
                + " cannot share this JVM's redirector with the tests running now (" + String.join(", ", others)
                + "): " + reason + ". One redirector serves the whole JVM, so such tests must run alone:"
                + " @InterceptApps gives them the lock " + InterceptApps.OSPROXY_LOCK + " exclusively when its"
                + " annotation asks for MACHINE scope or excludes programs; with apptap.scope or @RegisterExtension,"
                + " add @ResourceLock(InterceptApps.OSPROXY_LOCK) to them.");
    }

    private static String scopeName(ProcessScope scope) {
        return scope.name().toLowerCase(Locale.ROOT);
    }
}
