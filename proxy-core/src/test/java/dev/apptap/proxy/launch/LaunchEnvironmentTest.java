package dev.apptap.proxy.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.LeafCertificates;
import dev.apptap.proxy.ca.TrustExports;

class LaunchEnvironmentTest {

    private static final List<String> TRUST_VARIABLES = List.of("SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE",
            "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "DENO_CERT", "GIT_SSL_CAINFO", "CARGO_HTTP_CAINFO", "AWS_CA_BUNDLE",
            "PERL_LWP_SSL_CA_FILE", "npm_config_cafile", "PIP_CERT", "BUNDLE_SSL_CA_CERT",
            "HEX_CACERTS_PATH", "JAVA_TOOL_OPTIONS");
    private static final List<String> PROXY_VARIABLES = List.of("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
            "NO_PROXY", "no_proxy", "GLOBAL_AGENT_HTTP_PROXY", "npm_config_proxy", "npm_config_https_proxy");

    private static ExecutorService minter;
    private static TrustExports exports;
    private static ServerSocket tlsServer;

    @BeforeAll
    static void startTlsServer(@TempDir Path caHome) throws Exception {
        minter = Executors.newSingleThreadExecutor();
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(caHome);
        exports = TrustExports.write(ca);
        tlsServer = LocalServers.tlsServer(new LeafCertificates(ca, minter).forHost("localhost").get(10, TimeUnit.SECONDS));
    }

    @AfterAll
    static void stop() throws IOException {
        tlsServer.close();
        minter.shutdownNow();
    }

    @Test
    void trustContainsEveryVariablePointingAtTheExports() {
        Map<String, String> env = LaunchEnvironment.trust(exports);

        assertThat(env.keySet()).containsExactlyElementsOf(TRUST_VARIABLES);
        assertThat(env).containsEntry("SSL_CERT_FILE", exports.caBundle().toString())
                .containsEntry("SSL_CERT_DIR", exports.certificateDirectory().toString())
                .containsEntry("NODE_EXTRA_CA_CERTS", exports.caCertificate().toString())
                .containsEntry("JAVA_TOOL_OPTIONS", "-Djavax.net.ssl.trustStore=" + exports.trustStore()
                        + " -Djavax.net.ssl.trustStorePassword=changeit -Djavax.net.ssl.trustStoreType=PKCS12");
        assertThatThrownBy(() -> env.put("X", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void proxyAddsProxyVariablesForEveryToolAndJava() {
        Map<String, String> env = LaunchEnvironment.proxy(new InetSocketAddress("127.0.0.1", 8123), exports);

        assertThat(env.keySet()).containsAll(TRUST_VARIABLES).containsAll(PROXY_VARIABLES).doesNotContain("ALL_PROXY");
        assertThat(env).containsEntry("HTTPS_PROXY", "http://127.0.0.1:8123")
                .containsEntry("https_proxy", "http://127.0.0.1:8123")
                .containsEntry("npm_config_https_proxy", "http://127.0.0.1:8123")
                .containsEntry("NO_PROXY", "")
                .containsEntry("no_proxy", "");
        assertThat(env.get("JAVA_TOOL_OPTIONS"))
                .startsWith(LaunchEnvironment.trust(exports).get("JAVA_TOOL_OPTIONS"))
                .endsWith(" -Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=8123 -Dhttps.proxyHost=127.0.0.1"
                        + " -Dhttps.proxyPort=8123 -Dhttp.nonProxyHosts=");
    }

    @Test
    void proxyOnAWildcardAddressIsReachedThroughLoopback() {
        assertThat(LaunchEnvironment.proxy(new InetSocketAddress(9000), exports))
                .containsEntry("HTTP_PROXY", "http://127.0.0.1:9000");
        assertThat(LaunchEnvironment.proxy(new InetSocketAddress("::1", 9000), exports))
                .containsEntry("HTTP_PROXY", "http://[0:0:0:0:0:0:0:1]:9000");
        assertThat(LaunchEnvironment.proxy(InetSocketAddress.createUnresolved("proxy.internal", 3128), exports))
                .containsEntry("HTTP_PROXY", "http://proxy.internal:3128");
    }

    @Test
    void mergeAppendsToExistingJavaAndNodeOptionsAndReplacesTheRest() {
        Map<String, String> base = new LinkedHashMap<>();
        base.put("PATH", "/usr/bin");
        base.put("JAVA_TOOL_OPTIONS", "-Xmx1g ");
        base.put("NODE_OPTIONS", "--max-old-space-size=4096");
        base.put("NO_PROXY", "localhost");
        Map<String, String> apptap = new LinkedHashMap<>();
        apptap.put("JAVA_TOOL_OPTIONS", "-Dhttp.proxyHost=127.0.0.1");
        apptap.put("NODE_OPTIONS", "--use-openssl-ca");
        apptap.put("NO_PROXY", "");
        apptap.put("SSL_CERT_FILE", "/b.pem");

        Map<String, String> merged = LaunchEnvironment.merge(base, apptap);

        assertThat(merged).containsExactly(
                Map.entry("PATH", "/usr/bin"),
                Map.entry("JAVA_TOOL_OPTIONS", "-Xmx1g -Dhttp.proxyHost=127.0.0.1"),
                Map.entry("NODE_OPTIONS", "--max-old-space-size=4096 --use-openssl-ca"),
                Map.entry("NO_PROXY", ""),
                Map.entry("SSL_CERT_FILE", "/b.pem"));
        assertThatThrownBy(() -> merged.remove("PATH")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void javaOptionQuotesPathsWithSpaces() {
        assertThat(LaunchEnvironment.javaOption("javax.net.ssl.trustStore", Path.of("/home/a b/t.p12")))
                .isEqualTo("\"-Djavax.net.ssl.trustStore=/home/a b/t.p12\"");
    }

    @Test
    void curlTrustsTheLeafThroughTheTrustVariables() throws Exception {
        assumeInstalled("curl", "--version");

        assertThat(run(LaunchEnvironment.trust(exports), "curl", "-sS", "--max-time", "20", url()))
                .isEqualTo(LocalServers.BODY);
    }

    @Test
    void pythonTrustsTheLeafThroughTheTrustVariables() throws Exception {
        assumeInstalled("python3", "-c", "import ssl");

        assertThat(run(LaunchEnvironment.trust(exports), "python3", "-c",
                "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=20).read().decode(), end='')",
                url())).isEqualTo(LocalServers.BODY);
    }

    @Test
    void nodeTrustsTheLeafThroughTheTrustVariables() throws Exception {
        assumeInstalled("node", "--version");

        assertThat(run(LaunchEnvironment.trust(exports), "node", "-e",
                "require('https').get('" + url() + "', r => r.pipe(process.stdout))"
                        + ".on('error', e => { console.error(e.message); process.exit(1); })"))
                .isEqualTo(LocalServers.BODY);
    }

    @Test
    void javaTrustsTheLeafThroughJavaToolOptions() throws Exception {
        assertThat(run(LaunchEnvironment.trust(exports), java(), "-cp", System.getProperty("java.class.path"),
                HttpsGetMain.class.getName(), url()).lines().filter(l -> !l.startsWith("Picked up")))
                .containsExactly(LocalServers.BODY);
    }

    @Test
    void curlAndJavaGoThroughTheProxyEvenForLocalhost() throws Exception {
        assumeInstalled("curl", "--version");
        List<String> connects = LocalServers.newRecord();
        try (ServerSocket proxy = LocalServers.connectProxy(connects)) {
            Map<String, String> env = LaunchEnvironment.proxy((InetSocketAddress) proxy.getLocalSocketAddress(), exports);

            assertThat(run(env, "curl", "-sS", "--max-time", "20", url())).isEqualTo(LocalServers.BODY);
            assertThat(run(env, java(), "-cp", System.getProperty("java.class.path"), HttpsGetMain.class.getName(), url())
                    .lines().filter(l -> !l.startsWith("Picked up"))).containsExactly(LocalServers.BODY);
        }
        assertThat(connects).containsExactly("localhost:" + tlsServer.getLocalPort(), "localhost:" + tlsServer.getLocalPort());
    }

    private static String url() {
        return "https://localhost:" + tlsServer.getLocalPort() + "/";
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Runs with the inherited environment minus anything proxy- or trust-related, then {@code env} merged in. */
    private static String run(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.toLowerCase().endsWith("_proxy") || name.startsWith("SSL_CERT")
                || name.equals("JAVA_TOOL_OPTIONS") || name.equals("NODE_EXTRA_CA_CERTS"));
        environment.putAll(LaunchEnvironment.merge(environment, env));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
        assertThat(process.exitValue()).as("%s exited with 0 but printed:%n%s", command[0], output).isZero();
        return output;
    }

    private static void assumeInstalled(String... probe) {
        boolean present;
        try {
            Process process = new ProcessBuilder(new ArrayList<>(List.of(probe))).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            present = process.waitFor(20, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            present = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            present = false;
        }
        assumeThat(present).as("%s is installed", probe[0]).isTrue();
    }
}
