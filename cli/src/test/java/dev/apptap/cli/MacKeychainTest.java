package dev.apptap.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apptap.proxy.ca.CertificateAuthority;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The macOS keychain commands, against a fake {@code security} and {@code sudo} that log what they were asked. */
class MacKeychainTest {

    @TempDir
    Path dir;

    @Test
    void installsTheCaAsATrustedRootOfTheSystemKeychainThroughSudo() throws Exception {
        Path log = dir.resolve("calls");
        MacKeychain keychain = new MacKeychain(script("security", "printf '%s\\n' \"security $*\" >> " + log),
                script("sudo", "[ \"$1\" = -n ] || exit 9; shift; exec \"$@\""), 10);
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"));

        String did = keychain.install(ca);

        List<String> calls = Files.readAllLines(log);
        assertThat(calls).singleElement().asString()
                .startsWith("security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ")
                .endsWith(".pem");
        assertThat(did).contains("System keychain", "SSL_CERT_FILE=", "CURL_CA_BUNDLE=");
    }

    @Test
    void uninstallRemovesTheTrustSettingsAndTheCertificateByItsFingerprint() throws Exception {
        Path log = dir.resolve("calls");
        MacKeychain keychain = new MacKeychain(script("security", "printf '%s\\n' \"$1 $2 $3\" >> " + log), null, 10);
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"));

        keychain.uninstall(ca);

        List<String> calls = Files.readAllLines(log);
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0)).startsWith("remove-trusted-cert -d ");
        assertThat(calls.get(1)).matches("delete-certificate -Z [0-9A-F]{40}");
    }

    @Test
    void givesUpOnAnAuthorizationPromptNoOneAnswers() throws Exception {
        MacKeychain keychain = new MacKeychain(script("security", "exec sleep 30"), null, 1);
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"));

        assertThatThrownBy(() -> keychain.install(ca)).hasMessageContaining("did not finish within 1 s")
                .hasMessageContaining("authorize the trust change");
    }

    @Test
    void saysWhatSecurityAnsweredWhenItRefuses() throws Exception {
        MacKeychain keychain = new MacKeychain(script("security",
                "echo 'SecTrustSettingsSetTrustSettings: The authorization was denied since no user interaction was"
                        + " possible.' >&2; exit 1"), null, 10);
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"));

        assertThatThrownBy(() -> keychain.install(ca)).hasMessageContaining("failed with status 1")
                .hasMessageContaining("no user interaction was possible")
                .hasMessageContaining("sudo apptap ca install");
    }

    private Path script(String name, String body) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }
}
