package dev.apptap.redirector.macos.pf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PfctlTest {

    @TempDir
    Path directory;

    @Test
    void enablesLoadsAndOnTearDownFlushesTheAnchorAndReleasesItsToken() throws Exception {
        FakePf fake = new FakePf(directory, null);
        Pfctl pfctl = fake.pfctl();
        Path rules = Files.writeString(directory.resolve("rules.conf"), PfAnchor.rules(501, 1, 2));

        String token = pfctl.enable();
        Pfctl.Watchdog watchdog = pfctl.watchdog(token);
        pfctl.load(rules);
        watchdog.tearDown();

        assertThat(token).isEqualTo("16045839442358513455");
        assertThat(fake.calls()).containsExactly("-E", "-a com.apple/apptap -f " + rules,
                "-a com.apple/apptap -F all", "-X 16045839442358513455");
    }

    @Test
    void saysWhatToDoWhenSudoAsksForAPassword() throws Exception {
        FakePf fake = new FakePf(directory, "info");
        assertThat(fake.pfctl().unavailableReason()).get().asString()
                .contains("passwordless sudo", "pfctl: info refused", "NOPASSWD");
    }

    @Test
    void refusesAnEnableThatPrintsNoToken() throws Exception {
        FakePf fake = new FakePf(directory, null);
        Files.writeString(fake.bin.resolve("pfctl"), "#!/bin/sh\necho 'pf enabled' >&2\n");
        assertThatThrownBy(() -> fake.pfctl().enable()).hasMessageContaining("did not print its token")
                .hasMessageContaining("pf enabled");
    }
}
