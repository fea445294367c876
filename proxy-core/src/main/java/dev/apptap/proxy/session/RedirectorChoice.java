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

    /** The first of {@code installed} that can run here, else every provider's reason in one sentence. */
    public static RedirectorChoice firstUsable(List<RedirectorProvider> installed) {
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
