package dev.apptap.junit;

import dev.apptap.flow.FlowWindow;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * Everything that must be fixed when the engine starts. Tests whose keys are equal share one engine for the whole
 * run; a suite that varies none of these starts exactly one.
 *
 * @param caDirectory   the CA's directory, {@link Config#EPHEMERAL}, or empty for {@code ~/.apptap/}
 * @param systemLookups whether names beyond {@code localhost} and {@code *.test} may be resolved
 * @param flowWindow    what the engine's flow store keeps ({@code apptap.window.flows}, {@code apptap.window.bytes})
 */
record EngineKey(Optional<String> caDirectory, int bodyLimit, boolean upstreamInsecure,
                 List<X509Certificate> upstreamTrust, boolean systemLookups, FlowWindow flowWindow) {

    EngineKey {
        upstreamTrust = List.copyOf(upstreamTrust);
    }
}
