package dev.apptap.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The system-wide trust store of Debian and Ubuntu: certificates in {@code /usr/local/share/ca-certificates/}, merged
 * into {@code /etc/ssl/certs/ca-certificates.crt} by {@code update-ca-certificates}. apptap owns exactly one file
 * there, so uninstalling removes only what installing added.
 */
final class OsTrustStore {

    static final String FILE_NAME = "apptap-ca.crt";

    private final Path directory;
    private final String updateCommand;

    OsTrustStore(Path directory, String updateCommand) {
        this.directory = directory;
        this.updateCommand = updateCommand;
    }

    static OsTrustStore debian() {
        return new OsTrustStore(Path.of("/usr/local/share/ca-certificates"), "update-ca-certificates");
    }

    Path file() {
        return directory.resolve(FILE_NAME);
    }

    String install(String pem) {
        checkUsable("install");
        try {
            Files.writeString(file(), pem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new CliFailure("apptap could not write " + file() + ": " + e.getMessage(), Apptap.FAILED);
        }
        update();
        return "installed the CA as " + file() + " and ran " + updateCommand
                + "; apps that use the system trust store now trust apptap.";
    }

    String uninstall() {
        checkUsable("uninstall");
        boolean existed;
        try {
            existed = Files.deleteIfExists(file());
        } catch (IOException e) {
            throw new CliFailure("apptap could not remove " + file() + ": " + e.getMessage(), Apptap.FAILED);
        }
        if (!existed) {
            return "the CA was not installed (" + file() + " does not exist); nothing to do.";
        }
        update();
        return "removed " + file() + " and ran " + updateCommand + "; the system trust store no longer holds apptap's CA.";
    }

    private void checkUsable(String verb) {
        if (!Files.isDirectory(directory) || Files.notExists(Path.of("/usr/sbin", updateCommand))
                && Files.notExists(Path.of("/usr/bin", updateCommand))) {
            throw new CliFailure("apptap ca " + verb + " knows the Debian/Ubuntu trust store only, and this system"
                    + " has no " + directory + " or no " + updateCommand + " (package ca-certificates); use apptap ca"
                    + " export and your system's own tool instead", Apptap.FAILED);
        }
        if (!Files.isWritable(directory)) {
            throw new CliFailure("apptap ca " + verb + " changes the system trust store, which needs root: run sudo ./apptap ca "
                    + verb, Apptap.FAILED);
        }
    }

    private void update() {
        try {
            Process process = new ProcessBuilder(updateCommand).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new CliFailure(updateCommand + " failed; run it by hand to see why", Apptap.FAILED);
            }
        } catch (IOException e) {
            throw new CliFailure("apptap could not run " + updateCommand + ": " + e.getMessage(), Apptap.FAILED);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("apptap was interrupted while " + updateCommand + " ran", Apptap.FAILED);
        }
    }
}
