package dev.apptap.proxy.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.TrustExports;
import dev.apptap.proxy.rules.Actions;
import dev.apptap.proxy.rules.RequestMatcher;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.session.InterceptionSession;
import dev.apptap.proxy.session.SessionOptions;
import dev.apptap.proxy.testing.ClientResult;
import dev.apptap.proxy.testing.Clients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * npm and pip on a machine whose configuration pins another CA file (an npmrc's {@code cafile}, a pip.conf's
 * {@code cert}) still trust apptap when launched with {@link LaunchEnvironment}: the registries are apptap's offline
 * stubs on {@code *.test} names, so nothing leaves the machine.
 */
class PackageManagerTrustTest {

    private static final String PACKUMENT = "{\"name\":\"apptap-demo\",\"dist-tags\":{\"latest\":\"1.2.3\"},"
            + "\"versions\":{\"1.2.3\":{\"name\":\"apptap-demo\",\"version\":\"1.2.3\"}}}";
    private static final String SIMPLE_INDEX = "<!DOCTYPE html><html><body>"
            + "<a href=\"https://pypi.test/files/apptap_demo-1.2.3.tar.gz\">apptap_demo-1.2.3.tar.gz</a>"
            + "</body></html>";

    @TempDir
    Path home;

    @Test
    void npmWithACafileInItsNpmrcTrustsApptapThroughNpmConfigCafile() throws IOException {
        Clients.assumeInstalled("npm");
        RuleSet rules = new RuleSet().offline(true);
        rules.on(RequestMatcher.get("https://registry.test/apptap-demo")).respond(Actions.respondJson(200, PACKUMENT));
        try (InterceptionSession session = InterceptionSession.start(SessionOptions.builder().rules(rules).build())) {
            Path npmrc = home.resolve("npmrc");
            Files.writeString(npmrc, "cafile=" + otherCa() + "\nfetch-retries=0\nupdate-notifier=false\naudit=false\n"
                    + "cache=" + home.resolve("npm-cache") + "\n");
            Map<String, String> env = new LinkedHashMap<>(LaunchEnvironment.proxy(session.explicitProxy(),
                    session.trust()));
            env.put("NPM_CONFIG_USERCONFIG", npmrc.toString());
            env.put("HOME", home.toString());

            ClientResult trusted = npmView(env);
            String effective = npm(env, "config", "get", "cafile").stdout().strip();
            env.remove("npm_config_cafile");
            String pinned = npm(env, "config", "get", "cafile").stdout().strip();

            assertThat(trusted.exitCode()).as(trusted.describe()).isZero();
            assertThat(trusted.stdout().strip()).isEqualTo("1.2.3");
            assertThat(effective).isEqualTo(session.trust().caBundle().toString());
            assertThat(pinned).as("the npmrc's own cafile, which apptap's variable overrides")
                    .isEqualTo(otherCa().toString());
        }
    }

    @Test
    void pipWithACertInItsConfigFileTrustsApptapThroughPipCert() throws IOException {
        Path python = Path.of("/usr/bin/python3");
        Clients.assumeInstalled(python.toString());
        assumeTrue(Clients.command(python.toString(), "-m", "pip", "--version").run().succeeded(),
                "Debian's python3 has no pip (the python3-pip package), so this test cannot run pip.");
        RuleSet rules = new RuleSet().offline(true);
        rules.on(RequestMatcher.get("https://pypi.test/simple/apptap-demo/"))
                .respond(Actions.respond(200).withHeader("Content-Type", "text/html").withBody(SIMPLE_INDEX));
        try (InterceptionSession session = InterceptionSession.start(SessionOptions.builder().rules(rules).build())) {
            Path pipConf = home.resolve("pip.conf");
            Files.writeString(pipConf, "[global]\ncert = " + otherCa() + "\nretries = 0\ntimeout = 10\n");
            Map<String, String> env = new LinkedHashMap<>(LaunchEnvironment.proxy(session.explicitProxy(),
                    session.trust()));
            env.put("PIP_CONFIG_FILE", pipConf.toString());
            env.put("PIP_DISABLE_PIP_VERSION_CHECK", "1");
            env.put("PIP_NO_CACHE_DIR", "1");
            env.put("HOME", home.toString());

            ClientResult trusted = pipIndex(python, env);

            assertThat(trusted.exitCode()).as(trusted.describe()).isZero();
            assertThat(trusted.stdout()).contains("apptap-demo (1.2.3)");
        }
    }

    private ClientResult npmView(Map<String, String> env) {
        return npm(env, "view", "apptap-demo", "version", "--registry", "https://registry.test/");
    }

    private ClientResult npm(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of("npm"));
        command.addAll(List.of(args));
        return Clients.command(command.toArray(String[]::new)).environment(env).directory(home)
                .timeout(Duration.ofSeconds(60)).run();
    }

    private ClientResult pipIndex(Path python, Map<String, String> env) {
        return Clients.command(python.toString(), "-m", "pip", "index", "versions", "apptap-demo",
                "--index-url", "https://pypi.test/simple/").environment(env).directory(home)
                .timeout(Duration.ofSeconds(60)).run();
    }

    /** The CA file a company's configuration would pin: a CA that never signed anything apptap presents. */
    private Path otherCa() {
        return TrustExports.write(CertificateAuthority.loadOrCreate(home.resolve("corporate-ca")), home.resolve("corporate-trust"))
                .caCertificate();
    }
}
