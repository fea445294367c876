package dev.apptap.junit;

import dev.apptap.assertions.ApptapAssertions;
import dev.apptap.assertions.FlowsAssert;
import dev.apptap.flow.Flows;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a test needs to wire up programs apptap does not start itself: the CA files, the environment, the proxy
 * address and the mode in effect. Inject it as a parameter, or read it from
 * {@link InterceptAppsExtension#runtime()}.
 *
 * <pre>{@code
 * @Test
 * void ownLauncher(InterceptRuntime apptap, Apps apps) throws Exception {
 *     ProcessBuilder builder = new ProcessBuilder("node", "client.js");
 *     builder.environment().putAll(apptap.environment());
 *     apps.track(builder.start().toHandle());   // so its flows count as this test's in LAUNCH mode
 * }
 * }</pre>
 *
 * @param mode                the mode in effect: {@link InterceptMode#OSPROXY} or {@link InterceptMode#LAUNCH}
 * @param modeReason          why, in a sentence: what AUTO found, or that the mode was asked for
 * @param caCertificate       apptap's CA certificate alone (PEM)
 * @param caBundle            the operating system's roots plus apptap's CA (PEM), for {@code SSL_CERT_FILE}
 * @param trustStore          PKCS12 trust store with the JDK's roots plus apptap's CA (password {@code changeit})
 * @param environment         the variables programs get: CA trust always, the proxy in LAUNCH mode; inherited
 *                            proxy variables are removed
 * @param proxyAddress        where apptap's explicit proxy listens (in either mode)
 * @param redirector          the redirector in use, described, in OSPROXY mode
 * @param timeout             the default wait ({@code apptap.timeout}, 60 s unless configured)
 */
public record InterceptRuntime(InterceptMode mode, String modeReason, Path caCertificate, Path caBundle,
                               Path trustStore, Map<String, String> environment, InetSocketAddress proxyAddress,
                               Optional<String> redirector, Duration timeout) {

    public InterceptRuntime {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(modeReason, "modeReason");
        Objects.requireNonNull(caCertificate, "caCertificate");
        Objects.requireNonNull(caBundle, "caBundle");
        Objects.requireNonNull(trustStore, "trustStore");
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        Objects.requireNonNull(proxyAddress, "proxyAddress");
        Objects.requireNonNull(redirector, "redirector");
        Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * {@code assertThat(flows).within(timeout())}: assertions on the flows that wait up to {@code apptap.timeout}
     * for the app's requests to arrive, so a test need not pick a duration of its own.
     *
     * <pre>{@code
     * apptap.awaitThat(flows).hasRequest(post("/v1/login"));
     * }</pre>
     */
    public FlowsAssert awaitThat(Flows flows) {
        return ApptapAssertions.assertThat(flows).within(timeout);
    }

    /** {@code http://127.0.0.1:<port>}: the proxy URL for programs configured by hand. */
    public String proxyUrl() {
        return "http://" + proxyAddress.getAddress().getHostAddress() + ":" + proxyAddress.getPort();
    }
}
