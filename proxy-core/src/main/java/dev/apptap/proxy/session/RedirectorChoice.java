package dev.apptap.proxy.session;

import dev.apptap.proxy.redirect.RedirectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether OSPROXY can run on this machine now: the first installed redirector that says it is usable, or a sentence
 * saying why none is. Probing may run {@code sudo -n}, so callers probe once and keep the answer.
 *
 * <pre>{@code
 * RedirectorChoice choice = RedirectorChoice.firstUsable(RedirectorProvider.installed());
 * SessionOptions.Builder options = SessionOptions.builder();
 * choice.provider().ifPresentOrElse(options::redirector, () -> System.err.println(choice.reason()));
 * }</pre>
 *
 * @param provider the usable redirector, when there is one
 * @param reason   why OSPROXY is unavailable ("OSPROXY is unavailable: …."), or empty when it is available
 */
public record RedirectorChoice(Optional<RedirectorProvider> provider, String reason) {

    /**
     * The system property that forces one redirector by its {@linkplain RedirectorProvider#name() name}
     * ({@code linux-ebpf}, {@code macos-ne}, {@code macos-pf}) instead of the first usable one.
     */
    public static final String FORCE_PROPERTY = "apptap.redirector";

    /**
     * The first of {@code installed} that can run here, else every provider's reason in one sentence; only the one
     * {@value #FORCE_PROPERTY} names, when that system property is set.
     */
    public static RedirectorChoice firstUsable(List<RedirectorProvider> installed) {
        String forced = System.getProperty(FORCE_PROPERTY, "").strip();
        if (!forced.isEmpty()) {
            return named(forced, installed);
        }
        if (installed.isEmpty()) {
            return new RedirectorChoice(Optional.empty(), "OSPROXY is unavailable: no redirector for this platform"
                    + " is on the class path (add " + platformArtifact() + ").");
        }
        List<String> reasons = new ArrayList<>();
        for (RedirectorProvider provider : installed) {
            Optional<String> why = provider.unavailableReason();
            if (why.isEmpty()) {
                return new RedirectorChoice(Optional.of(provider), "");
            }
            reasons.add(provider.name() + ": " + clause(why.get()));
        }
        return new RedirectorChoice(Optional.empty(), "OSPROXY is unavailable: " + String.join("; ", reasons) + ".");
    }

    /** The provider called {@code name}, if it can run here; else a sentence saying why not. */
    public static RedirectorChoice named(String name, List<RedirectorProvider> installed) {
        List<String> names = new ArrayList<>();
        for (RedirectorProvider provider : installed) {
            if (provider.name().equals(name)) {
                return provider.unavailableReason()
                        .map(why -> new RedirectorChoice(Optional.empty(), "OSPROXY is unavailable: " + name
                                + " was asked for, but it cannot run here: " + clause(why) + "."))
                        .orElseGet(() -> new RedirectorChoice(Optional.of(provider), ""));
            }
            names.add(provider.name());
        }
        return new RedirectorChoice(Optional.empty(), "OSPROXY is unavailable: " + name + " was asked"
                + " for, but " + (names.isEmpty() ? "no redirector" : "only " + String.join(", ", names))
                + " is on the class path (add " + (name.startsWith("macos") ? "apptap-redirector-macos"
                : "apptap-redirector-linux") + ").");
    }

    /** True when a redirector can run. */
    public boolean available() {
        return provider.isPresent();
    }

    private static String platformArtifact() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        return os.contains("mac") ? "apptap-redirector-macos" : "apptap-redirector-linux";
    }

    private static String clause(String sentence) {
        String s = sentence.strip();
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
