package dev.apptap.redirector.macos.ne;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extension keeps its last spec when apptap's control channel just closes, so a JVM killed with {@code kill -9}
 * would leave curl without network; the watchdog child relaunches the redirector app and sends the never-matching spec.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WatchdogTest {

    @TempDir
    Path directory;

    @Test
    void resetsTheSpecAfterTheJvmIsKilledWithSignalNine() throws Exception {
        try (FakeExtension extension = FakeExtension.install(directory)) {
            Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), SessionHoldingMain.class.getName(),
                    extension.launcher().toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
                assertThat(extension.nextSpec()).containsExactly(NeSpec.NEVER, "!" + jvm.pid());
                assertThat(extension.nextSpec()).containsExactly("/curl", "!" + jvm.pid());
                assertThat(out.readLine()).isEqualTo("ready");
                List<ProcessHandle> watchdogs = jvm.toHandle().children()
                        .filter(child -> child.info().arguments().map(List::of).orElse(List.of())
                                .contains(SpecWatchdog.class.getName()))
                        .toList();
                assertThat(watchdogs).hasSize(1);

                jvm.destroyForcibly();
                assertThat(jvm.waitFor(20, TimeUnit.SECONDS)).isTrue();

                assertThat(extension.nextSpec()).as("the spec the watchdog sends through a fresh launch")
                        .containsExactly(NeSpec.NEVER, "!" + jvm.pid());
                assertThat(extension.launchCount()).isEqualTo(2);
                assertThat(watchdogs.get(0).onExit().get(20, TimeUnit.SECONDS).isAlive()).isFalse();
            } finally {
                jvm.destroyForcibly();
            }
        }
    }
}
