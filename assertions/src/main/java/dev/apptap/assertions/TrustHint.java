package dev.apptap.assertions;

import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowError;
import dev.apptap.proxy.launch.TrustAdvice;

/**
 * The one thing a failure must say when an app refused apptap's certificate: which app, which host, and the line
 * that makes that app trust the CA. Without it, the test author sees a missing request and starts debugging the app.
 */
final class TrustHint {

    private TrustHint() {
    }

    static boolean rejected(Flow flow) {
        return flow.error().map(e -> e.kind() == FlowError.Kind.CLIENT_REJECTED_CERTIFICATE).orElse(false);
    }

    /** A sentence naming the app and the host, then how to make that app trust the CA. */
    static String forRejected(Flow flow) {
        return flow.process().describe() + " rejected apptap's certificate for " + flow.host()
               + ": it does not trust apptap's CA. " + fix(flow.process().name());
    }

    /** Apps read different variables; naming the right one saves a search through their docs. */
    static String fix(String app) {
        return "Start it through apptap's launcher, or set " + TrustAdvice.settingFor(app) + ".";
    }
}
