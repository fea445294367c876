package dev.apptap.junit;

import dev.apptap.proxy.ca.TrustExports;
import dev.apptap.proxy.launch.TrustAdvice;
import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.ProcessInfo;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Explains flows whose app refused apptap's certificate: which app, which host, and the one line that makes that
 * app trust apptap's CA. A failed test usually fails far from the cause (an exit code, a missing flow), so the
 * explanation leads the failure message.
 */
final class CertificateRejections {

    private CertificateRejections() {
    }

    static Optional<String> explain(List<Flow> flows, ProcessTracker tracker, TrustExports trust) {
        Set<String> lines = new LinkedHashSet<>();
        for (Flow flow : flows) {
            Optional<FlowError> error = flow.error();
            if (error.isEmpty() || error.get().kind() != FlowError.Kind.CLIENT_REJECTED_CERTIFICATE) {
                continue;
            }
            ProcessInfo app = flow.process();
            lines.add(app.describe() + " rejected apptap's certificate for " + flow.host()
                    + ", so it does not trust apptap's CA. Fix: " + fix(app, tracker.owns(app.pid()), trust));
        }
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(String.join("\n", lines));
    }

    /** The single most likely fix for this app, with the file paths filled in. */
    static String fix(ProcessInfo app, boolean startedThroughApps, TrustExports trust) {
        String name = app.name().toLowerCase(Locale.ROOT);
        Path bundle = trust.caBundle();
        if (startedThroughApps) {
            String override = name.equals("curl") && app.commandLine().stream().anyMatch(a -> a.startsWith("--cacert")
                    || a.startsWith("--capath")) ? "its --cacert/--capath option" : "its own CA setting or pinning";
            return "it was started through Apps, which points SSL_CERT_FILE and friends at apptap's bundle, so "
                    + override + " overrides them; point that at " + bundle + ".";
        }
        return "run it through Apps, or set " + TrustAdvice.settingFor(app.name(), trust) + " in its environment.";
    }
}
