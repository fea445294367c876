package dev.apptap.proxy.launch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.TrustExports;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustAdviceTest {

    private static TrustExports exports;

    @BeforeAll
    static void writeExports(@TempDir Path home) {
        exports = TrustExports.write(CertificateAuthority.loadOrCreate(home.resolve("ca")), home.resolve("trust"));
    }

    @Test
    void namesTheVariableEachAppReadsWithTheValueTheLaunchEnvironmentGivesIt() {
        String bundle = exports.caBundle().toString();

        assertThat(TrustAdvice.settingFor("curl", exports)).isEqualTo("CURL_CA_BUNDLE=" + bundle);
        assertThat(TrustAdvice.settingFor("python3.11", exports))
                .isEqualTo("SSL_CERT_FILE=" + bundle + " REQUESTS_CA_BUNDLE=" + bundle);
        assertThat(TrustAdvice.settingFor("node", exports)).isEqualTo("NODE_EXTRA_CA_CERTS=" + exports.caCertificate());
        assertThat(TrustAdvice.settingFor("java", exports))
                .startsWith("JAVA_TOOL_OPTIONS=").contains("-Djavax.net.ssl.trustStore=" + exports.trustStore());
    }

    @Test
    void everyAdvisedVariableIsOneTheLaunchEnvironmentSets() {
        for (String app : new String[] {"curl", "python3", "deno", "node", "bun", "java", "git", "cargo", "aws", "wget"}) {
            assertThat(LaunchEnvironment.trust(exports)).containsKeys(TrustAdvice.variablesFor(app).toArray(String[]::new));
        }
    }

    @Test
    void anAppItDoesNotKnowGetsTheOpenSslVariable() {
        assertThat(TrustAdvice.settingFor("wget")).isEqualTo("SSL_CERT_FILE=<apptap's CA bundle>");
        assertThat(TrustAdvice.settingFor("Node")).isEqualTo("NODE_EXTRA_CA_CERTS=<apptap's CA certificate>");
    }
}
