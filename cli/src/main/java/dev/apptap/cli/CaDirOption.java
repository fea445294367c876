package dev.apptap.cli;

import dev.apptap.proxy.ca.CertificateAuthority;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --ca-dir} for the {@code ca} commands, which need no engine. */
final class CaDirOption {

    @Option(names = "--ca-dir", paramLabel = "DIR", description = "The CA to use (created if missing); default ~/.apptap.")
    Path caDir;

    CertificateAuthority load() {
        return load(caDir);
    }

    static CertificateAuthority load(Path dir) {
        return dir != null ? CertificateAuthority.loadOrCreate(dir) : CertificateAuthority.userDefault();
    }
}
