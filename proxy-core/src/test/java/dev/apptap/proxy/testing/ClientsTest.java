package dev.apptap.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientsTest {

    @Test
    void capturesExitCodeOutputAndAddedEnvironment() {
        Clients.assumeInstalled("sh");

        ClientResult result = Clients.command("sh", "-c", "echo \"$GREETING\"; cat; echo oops >&2; exit 3")
                .environment(Map.of("GREETING", "hi")).stdin("from stdin\n").run();

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.stdout()).isEqualTo("hi\nfrom stdin\n");
        assertThat(result.stderr()).isEqualTo("oops\n");
        assertThat(result.timedOut()).isFalse();
        assertThat(result.succeeded()).isFalse();
    }

    @Test
    void killsAProgramAndItsChildrenAtTheTimeout() {
        Clients.assumeInstalled("sh");

        // The background sleep inherits the pipes; only killing descendants lets the result come back promptly.
        ClientResult result = Clients.command("sh", "-c", "sleep 60 & echo started; wait").timeout(Duration.ofMillis(500)).run();

        assertThat(result.timedOut()).isTrue();
        assertThat(result.stdout()).isEqualTo("started\n");
        assertThat(result.duration()).isLessThan(Duration.ofSeconds(10));
        assertThat(result.describe()).contains("was killed after running for");
    }

    @Test
    void inheritedProxyVariablesAreRemovedInEitherCase() {
        Map<String, String> inherited = new HashMap<>(Map.of("HTTPS_PROXY", "http://corp:3128", "http_proxy", "http://corp:3128",
                "NO_PROXY", "localhost", "PATH", "/usr/bin"));

        Clients.removeProxyVariables(inherited);

        assertThat(inherited).containsOnlyKeys("PATH");
    }

    @Test
    void addedProxyVariablesReachTheProgram() {
        Clients.assumeInstalled("sh");

        ClientResult result = Clients.command("sh", "-c", "echo \"$HTTPS_PROXY\"").environment("HTTPS_PROXY", "http://127.0.0.1:9").run();

        assertThat(result.stdout()).isEqualTo("http://127.0.0.1:9\n");
    }

    @Test
    void findsProgramsOnThePath() {
        assertThat(Clients.isInstalled("sh")).isTrue();
        assertThat(Clients.isInstalled("no-such-program-apptap")).isFalse();
    }
}
