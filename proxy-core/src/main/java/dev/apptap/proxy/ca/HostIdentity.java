package dev.apptap.proxy.ca;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * "user@host" for the CA's common name, so a user who finds the CA in a trust store knows where it came from.
 * InetAddress.getLocalHost() is avoided on purpose: it resolves the name and may query DNS.
 */
final class HostIdentity {

    private HostIdentity() {
    }

    static String userAtHost() {
        return System.getProperty("user.name", "user") + "@" + hostName();
    }

    static String hostName() {
        for (String variable : new String[] {"HOSTNAME", "COMPUTERNAME"}) {
            String value = System.getenv(variable);
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        for (Path file : new Path[] {Path.of("/proc/sys/kernel/hostname"), Path.of("/etc/hostname")}) {
            try {
                String value = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!value.isEmpty()) {
                    return value;
                }
            } catch (IOException | RuntimeException e) {
                // not Linux, or not readable: try the next source
            }
        }
        return hostnameCommand();
    }

    /** macOS exports no HOSTNAME and has no /proc; the hostname command reads the kernel's name locally. */
    private static String hostnameCommand() {
        try {
            Process process = new ProcessBuilder("hostname").redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (process.waitFor(2, TimeUnit.SECONDS) && process.exitValue() == 0 && !out.isEmpty()) {
                return out.lines().findFirst().orElse(out).toLowerCase(Locale.ROOT);
            }
        } catch (IOException e) {
            // no hostname command: fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "localhost";
    }
}
