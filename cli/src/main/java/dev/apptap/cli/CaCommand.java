package dev.apptap.cli;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.TrustExports;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code apptap ca path|export [FILE]|install|uninstall}: apptap's CA, and the OS trust store. */
@Command(name = "ca", mixinStandardHelpOptions = true,
        customSynopsis = "apptap ca (path|export [FILE]|install|uninstall) [--ca-dir DIR]",
        description = "Shows, exports, or installs into the operating system's trust store apptap's CA.",
        subcommands = {CaCommand.PathCommand.class, CaCommand.Export.class, CaCommand.Install.class,
                CaCommand.Uninstall.class})
final class CaCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Name what to do with the CA: path, export, install or uninstall.");
    }

    @Command(name = "path", mixinStandardHelpOptions = true, customSynopsis = "apptap ca path [--ca-dir DIR]",
            description = "Prints the path of the CA certificate (PEM).")
    static final class PathCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        CaDirOption ca;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println(TrustExports.write(ca.load()).caCertificate());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, customSynopsis = "apptap ca export [FILE] [--ca-dir DIR]",
            description = "Writes the CA certificate (PEM) to FILE, or to stdout.")
    static final class Export implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        CaDirOption ca;

        @Parameters(arity = "0..1", paramLabel = "FILE")
        Path file;

        @Override
        public Integer call() throws IOException {
            String pem = ca.load().certificatePem();
            if (file == null) {
                spec.commandLine().getOut().print(pem);
                spec.commandLine().getOut().flush();
            } else {
                Files.writeString(file, pem, StandardCharsets.US_ASCII);
                spec.commandLine().getErr().println("apptap: wrote the CA certificate to " + file + ".");
                spec.commandLine().getErr().flush();
            }
            return 0;
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true, customSynopsis = "apptap ca install [--ca-dir DIR]",
            description = "Adds the CA to the operating system's trust store (Debian/Ubuntu: needs root; macOS: the System"
                    + " keychain, through sudo -n).")
    static final class Install implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        CaDirOption ca;

        @Override
        public Integer call() {
            CertificateAuthority authority = ca.load();
            String did = MacKeychain.onMac() ? MacKeychain.system().install(authority)
                    : OsTrustStore.debian().install(authority.certificatePem());
            spec.commandLine().getErr().println("apptap: " + did);
            spec.commandLine().getErr().flush();
            return 0;
        }
    }

    @Command(name = "uninstall", mixinStandardHelpOptions = true, customSynopsis = "apptap ca uninstall",
            description = "Removes the CA that apptap ca install added (Debian/Ubuntu; needs root).")
    static final class Uninstall implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        /** The CA to remove from the macOS keychain (Debian's store holds one file apptap owns, whatever the CA). */
        @Mixin
        CaDirOption ca;

        @Override
        public Integer call() {
            String did = MacKeychain.onMac() ? MacKeychain.system().uninstall(ca.load()) : OsTrustStore.debian().uninstall();
            spec.commandLine().getErr().println("apptap: " + did);
            spec.commandLine().getErr().flush();
            return 0;
        }
    }
}
