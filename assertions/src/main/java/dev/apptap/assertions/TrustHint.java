package dev.apptap.assertions;

import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.HttpFlow;
import java.util.Locale;
import java.util.Optional;

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

    static String host(Flow flow) {
        Optional<String> sni = flow.tls().map(t -> t.sni()).filter(s -> !s.isEmpty());
        if (sni.isPresent()) {
            return sni.get();
        }
        return flow instanceof HttpFlow http ? http.request().host() : flow.server().host();
    }

    /** A sentence naming the app and the host, then how to make that app trust the CA. */
    static String forRejected(Flow flow) {
        return flow.process().describe() + " rejected apptap's certificate for " + host(flow)
               + ": it does not trust apptap's CA. " + fix(flow.process().name());
    }

    /** Apps read different variables; naming the right one saves a search through their docs. */
    static String fix(String app) {
        String name = app.toLowerCase(Locale.ROOT);
        if (name.equals("curl")) {
            return "Start it through apptap's launcher, or set CURL_CA_BUNDLE to apptap's CA bundle.";
        }
        if (name.startsWith("python")) {
            return "Start it through apptap's launcher, or set REQUESTS_CA_BUNDLE and SSL_CERT_FILE to apptap's CA bundle.";
        }
        if (name.equals("node") || name.equals("deno") || name.equals("bun")) {
            return "Start it through apptap's launcher, or set NODE_EXTRA_CA_CERTS (DENO_CERT for deno) to apptap's CA certificate.";
        }
        if (name.equals("java")) {
            return "Start it through apptap's launcher, or pass -Djavax.net.ssl.trustStore=<apptap's trust store> in JAVA_TOOL_OPTIONS.";
        }
        if (name.startsWith("git")) {
            return "Start it through apptap's launcher, or set GIT_SSL_CAINFO to apptap's CA bundle.";
        }
        return "Start it through apptap's launcher, or set SSL_CERT_FILE to apptap's CA bundle (apps with their own trust store need the CA added there).";
    }
}
