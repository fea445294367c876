package dev.apptap.proxy.ca;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Shared helpers: PKIX validation and running openssl. */
final class TestCertificates {

    private TestCertificates() {
    }

    /** Throws unless {@code leaf} chains to {@code anchor} under the JDK's PKIX rules (revocation off: no network). */
    static void validatePkix(X509Certificate leaf, X509Certificate anchor) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
    }

    static Path writePem(Path file, X509Certificate certificate) throws IOException {
        Files.writeString(file, Pem.certificate(certificate), StandardCharsets.US_ASCII);
        return file;
    }

    record Result(int exitCode, String output) {
    }

    static Result run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish within 30 seconds.");
        }
        return new Result(process.exitValue(), output);
    }
}
