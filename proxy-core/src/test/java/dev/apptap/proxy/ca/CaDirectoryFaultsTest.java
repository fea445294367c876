package dev.apptap.proxy.ca;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CA directory that is damaged, unreadable or too open: each gets one sentence that names the file and says how
 * to fix it (the CLI prints it alone; JUnit shows it as the failure's message). Damaged PEM files, a foreign key, a
 * mismatched pair, a lone certificate and an expired CA are covered by {@link CertificateAuthorityTest}.
 */
class CaDirectoryFaultsTest {

    @TempDir
    Path dir;

    @Test
    void aKeyOthersMayReadIsRefusedWithTheChmodThatFixesIt() throws Exception {
        CertificateAuthority.loadOrCreate(dir);
        Path key = dir.resolve(CaStore.KEY_FILE).toAbsolutePath();
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(dir))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessage("The apptap CA key " + key + " may be read or changed by other users (mode rw-r--r--), and"
                        + " whoever has it can impersonate any site to apps that trust apptap's CA; run 'chmod 600 " + key
                        + "' and start again.")
                .hasNoCause();
    }

    @Test
    void aCaDirectoryUnderAFileSaysItCannotBeCreatedAndWhatToDo() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        Path caDir = file.resolve("ca");

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(caDir))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageStartingWith("apptap could not create its CA directory " + caDir.toAbsolutePath())
                .hasMessageEndingWith("; make its parent writable, or set the system property apptap.home to a"
                        + " writable directory.");
    }

    @Test
    void anUnreadableKeySaysWhichFileAndHowToStartAgain() throws Exception {
        CertificateAuthority.loadOrCreate(dir);
        Path key = dir.resolve(CaStore.KEY_FILE).toAbsolutePath();
        Files.delete(key);
        Files.createDirectory(key); // unreadable as a file even for root, whom chmod 000 would not stop

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(dir))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageStartingWith("The apptap CA key " + key + " could not be read (")
                .hasMessageContaining("); check that it belongs to you and is readable, or delete both ")
                .hasMessageEndingWith(" and apptap will create a new CA on next start.");
    }

    @Test
    void anEmptyCertificateLeftByAFullDiskSaysHowToStartAgain() throws Exception {
        CertificateAuthority.loadOrCreate(dir);
        Path certificate = dir.resolve(CaStore.CERTIFICATE_FILE).toAbsolutePath();
        Files.writeString(certificate, "");

        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(dir))
                .isInstanceOf(CertificateAuthorityException.class)
                .hasMessageStartingWith("The apptap CA certificate " + certificate + " is not a PEM certificate")
                .hasMessageEndingWith(" and apptap will create a new CA on next start.");
    }
}
