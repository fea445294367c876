package dev.apptap.cli;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.TrustExports;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The macOS System keychain as a trust store, changed with {@code security add-trusted-cert -d} and
 * {@code remove-trusted-cert -d} in the admin trust domain. Since macOS 11 that domain may ask for an administrator's
 * authorization even as root, and {@code security} then waits for a prompt no one answers, so every call has a
 * timeout. Keychain trust reaches Apple's curl, Safari and Swift apps; Homebrew's curl, Python and other OpenSSL-based
 * tools read a PEM bundle instead, which the install message names.
 *
 * @param security the {@code security} tool
 * @param sudo     {@code sudo}, run with {@code -n} when this JVM is not root; null when it is
 * @param timeoutSeconds how long one {@code security} call may take
 */
record MacKeychain(Path security, Path sudo, long timeoutSeconds) {

    static final Path SYSTEM_KEYCHAIN = Path.of("/Library/Keychains/System.keychain");

    static boolean onMac() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac");
    }

    static MacKeychain system() {
        boolean root = "root".equals(System.getProperty("user.name"));
        return new MacKeychain(Path.of("/usr/bin/security"), root ? null : Path.of("/usr/bin/sudo"), 60);
    }

    String install(CertificateAuthority ca) {
        TrustExports trust = TrustExports.write(ca);
        run("add-trusted-cert", "-d", "-r", "trustRoot", "-k", SYSTEM_KEYCHAIN.toString(),
                trust.caCertificate().toString());
        return "added the CA (" + trust.caCertificate() + ") to the System keychain as a trusted root; Apple's curl and"
                + " apps that use the keychain now trust apptap. Homebrew's curl, Python and other OpenSSL-based tools"
                + " ignore the keychain: give them SSL_CERT_FILE=" + trust.caBundle() + " and CURL_CA_BUNDLE="
                + trust.caBundle() + " (apptap sets both for apps it starts).";
    }

    String uninstall(CertificateAuthority ca) {
        TrustExports trust = TrustExports.write(ca);
        run("remove-trusted-cert", "-d", trust.caCertificate().toString());
        run("delete-certificate", "-Z", sha1(ca), SYSTEM_KEYCHAIN.toString());
        return "removed the CA's trust settings and its certificate from the System keychain.";
    }

    private void run(String... arguments) {
        List<String> command = new ArrayList<>();
        if (sudo != null) {
            command.addAll(List.of(sudo.toString(), "-n"));
        }
        command.add(security.toString());
        command.addAll(List.of(arguments));
        String shown = String.join(" ", command);
        try {
            Path output = Files.createTempFile("apptap-security", ".txt");
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(output.toFile()).start();
                process.getOutputStream().close();
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new CliFailure(shown + " did not finish within " + timeoutSeconds + " s; macOS is probably"
                            + " waiting for an administrator to authorize the trust change in a dialog. Run it in a"
                            + " logged-in session and approve it, or use the trust variables (apptap ca path) instead",
                            Apptap.FAILED);
                }
                if (process.exitValue() != 0) {
                    String said = Files.readString(output, StandardCharsets.UTF_8).strip();
                    throw new CliFailure(shown + " failed with status " + process.exitValue()
                            + (said.isEmpty() ? "" : " (" + said.replace('\n', ' ') + ")")
                            + "; on macOS 11 and later the admin trust domain needs an administrator's authorization,"
                            + " and without passwordless sudo run sudo apptap ca " + (arguments[0].startsWith("add")
                            ? "install" : "uninstall"), Apptap.FAILED);
                }
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new CliFailure("apptap could not run " + shown + ": " + e.getMessage(), Apptap.FAILED);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("apptap was interrupted while " + shown + " ran", Apptap.FAILED);
        }
    }

    private static String sha1(CertificateAuthority ca) {
        try {
            return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(ca.certificate().getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new CliFailure("apptap could not fingerprint its CA certificate: " + e.getMessage(), Apptap.FAILED);
        }
    }
}
