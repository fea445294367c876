package dev.apptap.redirector.macos.pf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PfWatchdogTest {

    @TempDir
    Path directory;

    @Test
    void flushesTheAnchorAndReleasesPfAfterTheJvmIsKilledWithSignalNine() throws Exception {
        FakePf fake = new FakePf(directory, null);
        Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), PfWatchdogHoldingMain.class.getName(), fake.bin.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");
            assertThat(fake.calls()).hasSize(2);

            jvm.destroyForcibly();
            assertThat(jvm.waitFor(20, TimeUnit.SECONDS)).isTrue();

            await().atMost(Duration.ofSeconds(20)).until(() -> fake.calls().size() == 4);
            assertThat(fake.calls()).endsWith("-a com.apple/apptap -F all", "-X 16045839442358513455");
        } finally {
            jvm.destroyForcibly();
        }
    }
}
