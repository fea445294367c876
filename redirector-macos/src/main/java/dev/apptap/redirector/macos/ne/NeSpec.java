package dev.apptap.redirector.macos.ne;

import dev.apptap.proxy.redirect.InterceptSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * apptap's intercept spec in the extension's words. The extension evaluates the same grammar (a leading {@code !}
 * excludes, a number is a pid, the first item decides the default), but it matches a name as a case-sensitive
 * substring of the app's full executable path, where apptap matches the executable's file name exactly. So a name
 * goes over with a leading {@code /}: {@code curl} becomes {@code /curl}, which catches {@code /usr/bin/curl} and
 * {@code /opt/homebrew/bin/curl} but not {@code /usr/libexec/libcurl-helper}. What still differs, because the
 * extension cannot anchor the end: {@code /curl} also catches {@code /usr/local/bin/curl-config} and anything under a
 * directory named {@code curl}; and the extension knows no descendants, so processes a matched app starts are caught
 * only when their own path matches.
 *
 * <p>Every spec ends with {@code !<pid>} for apptap's own JVM (and any other excluded process), so the engine's
 * upstream connections never come back to it. An empty spec is never sent, because the extension cannot evaluate one
 * (it reads the first action unguarded): "intercept nothing" is {@link #NEVER}, a pid no process can have.
 */
final class NeSpec {

    /** A pid above any macOS allows (they stay below 100000): this include matches no process. */
    static final String NEVER = "4294967295";

    private NeSpec() {
    }

    /** The extension's actions for {@code spec}, with {@code excludedPids} excluded. */
    static List<String> actions(InterceptSpec spec, Set<Long> excludedPids) {
        List<String> actions = new ArrayList<>();
        if (spec.isEmpty()) {
            actions.add(NEVER);
        }
        for (InterceptSpec.Item item : spec.items()) {
            String pattern = item.pid().isPresent() ? Long.toString(item.pid().getAsLong()) : "/" + item.name();
            actions.add(item.exclude() ? "!" + pattern : pattern);
        }
        for (long pid : new TreeSet<>(excludedPids)) {
            actions.add("!" + pid);
        }
        return List.copyOf(actions);
    }

    /** The spec that stops interception: nothing matches, apptap's own processes least of all. */
    static List<String> never(Set<Long> excludedPids) {
        return actions(InterceptSpec.NOTHING, excludedPids);
    }
}
