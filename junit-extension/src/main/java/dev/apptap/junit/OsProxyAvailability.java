package dev.apptap.junit;

import dev.apptap.proxy.redirect.RedirectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether OSPROXY can run on this machine now: the first installed redirector that says it is usable, or a
 * sentence saying why none is. Probing may run {@code sudo -n}, so it happens once per JVM.
 *
 * @param provider the usable redirector, when there is one
 * @param reason   why OSPROXY is unavailable ("OSPROXY is unavailable: …"), when it is
 */
record OsProxyAvailability(Optional<RedirectorProvider> provider, String reason) {

    private static volatile OsProxyAvailability probed;

    static OsProxyAvailability get() {
        OsProxyAvailability result = probed;
        if (result == null) {
            synchronized (OsProxyAvailability.class) {
                result = probed;
                if (result == null) {
                    result = probe(RedirectorProvider.installed());
                    probed = result;
                }
            }
        }
        return result;
    }

    boolean available() {
        return provider.isPresent();
    }

    static OsProxyAvailability probe(List<RedirectorProvider> installed) {
        if (installed.isEmpty()) {
            return new OsProxyAvailability(Optional.empty(), "OSPROXY is unavailable: no redirector for this platform"
                    + " is on the class path (add " + redirectorArtifact() + ").");
        }
        List<String> reasons = new ArrayList<>();
        for (RedirectorProvider provider : installed) {
            Optional<String> why = provider.unavailableReason();
            if (why.isEmpty()) {
                return new OsProxyAvailability(Optional.of(provider), "");
            }
            reasons.add(provider.name() + ": " + strip(why.get()));
        }
        return new OsProxyAvailability(Optional.empty(), "OSPROXY is unavailable: " + String.join("; ", reasons) + ".");
    }

    private static String redirectorArtifact() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        return os.contains("mac") ? "apptap-redirector-macos" : "apptap-redirector-linux";
    }

    private static String strip(String sentence) {
        String s = sentence.strip();
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
