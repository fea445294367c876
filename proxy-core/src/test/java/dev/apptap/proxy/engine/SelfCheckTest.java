package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.proxy.testing.Clients;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's first command, {@link SelfCheck}, passes on this machine and reports what it recorded. */
class SelfCheckTest {

    @Test
    void interceptsRealClientsAndReportsEveryFlow() {
        Clients.assumeInstalled("curl");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exitCode;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            exitCode = SelfCheck.run(out);
        }
        String report = bytes.toString(StandardCharsets.UTF_8);

        assertThat(exitCode).as(report).isZero();
        assertThat(report)
                .startsWith("apptap self-check: the engine intercepts curl and python3")
                .containsPattern("curl GET https://localhost:\\d+/hello → 200 .*\\[TLSv1\\.\\d, SNI localhost]")
                .containsPattern("curl POST https://localhost:\\d+/echo → 200 .*\\[TLSv1\\.\\d, SNI localhost]")
                .containsPattern("curl GET http://127\\.0\\.0\\.1:\\d+/hello → 200 ")
                .containsPattern("self-check passed: [34] flows recorded, all decrypted and answered");
    }
}
