package dev.apptap.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apptap.proxy.ca.CertificateAuthority;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CaCommandTest {

    private static final Path BUNDLE = Path.of("/etc/ssl/certs/ca-certificates.crt");

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void pathAndExport() throws IOException {
        Path caDir = dir.resolve("ca");

        assertThat(execute("ca", "path", "--ca-dir", caDir.toString())).isZero();
        Path pem = Path.of(out.toString().strip());
        assertThat(Files.readString(pem)).startsWith("-----BEGIN CERTIFICATE-----");

        out.getBuffer().setLength(0);
        assertThat(execute("ca", "export", "--ca-dir", caDir.toString())).isZero();
        assertThat(out.toString()).isEqualTo(CertificateAuthority.loadOrCreate(caDir).certificatePem());

        Path exported = dir.resolve("apptap.pem");
        assertThat(execute("ca", "export", exported.toString(), "--ca-dir", caDir.toString())).isZero();
        assertThat(Files.readString(exported)).isEqualTo(out.toString());
    }

    @Test
    void caAloneIsBadUsage() {
        assertThat(execute("ca")).isEqualTo(2);
        assertThat(err.toString()).startsWith("apptap: Name what to do with the CA: path, export, install or uninstall.");
    }

    /** Changes the real system trust store, so it puts back whatever was there, however the test ends. */
    @Test
    void installAndUninstallChangeTheSystemBundleAndNothingElse() throws Exception {
        OsTrustStore store = OsTrustStore.debian();
        assumeTrue(Files.isWritable(Path.of("/usr/local/share/ca-certificates")) && Files.isRegularFile(BUNDLE),
                "installing into the trust store needs root and Debian's ca-certificates.");
        Path caDir = dir.resolve("ca");
        String body = base64Body(CertificateAuthority.loadOrCreate(caDir).certificatePem());
        Path backup = dir.resolve("previous-apptap-ca.crt");
        boolean hadOne = Files.exists(store.file());
        if (hadOne) {
            Files.copy(store.file(), backup, StandardCopyOption.COPY_ATTRIBUTES);
        }
        try {
            assertThat(execute("ca", "install", "--ca-dir", caDir.toString())).as(err.toString()).isZero();
            assertThat(err.toString()).contains("installed the CA as " + store.file());
            assertThat(flat(Files.readString(BUNDLE))).contains(body);

            err.getBuffer().setLength(0);
            assertThat(execute("ca", "uninstall")).as(err.toString()).isZero();
            assertThat(err.toString()).contains("removed " + store.file());
            assertThat(store.file()).doesNotExist();
            assertThat(flat(Files.readString(BUNDLE))).doesNotContain(body);

            err.getBuffer().setLength(0);
            assertThat(execute("ca", "uninstall")).isZero();
            assertThat(err.toString()).contains("nothing to do");
        } finally {
            restore(store, hadOne, backup);
        }
    }

    private static void restore(OsTrustStore store, boolean hadOne, Path backup) throws Exception {
        if (hadOne) {
            Files.copy(backup, store.file(), StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.deleteIfExists(store.file());
        }
        Process update = new ProcessBuilder("update-ca-certificates").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        update.waitFor(120, TimeUnit.SECONDS);
    }

    /** The bundle wraps base64 at 64 columns as the PEM does, but compare without line breaks to be safe. */
    private static String base64Body(String pem) {
        return flat(pem.replace("-----BEGIN CERTIFICATE-----", "").replace("-----END CERTIFICATE-----", ""));
    }

    private static String flat(String text) {
        return text.replaceAll("\\s", "");
    }

    private int execute(String... args) {
        CommandLine cli = Apptap.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

}
