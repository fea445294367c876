package dev.apptap.redirector.macos.pf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A {@code sudo} that runs its command as the caller (dropping {@code -n}) and a {@code pfctl} that logs each call,
 * answers {@code -E} with a token as macOS's does (on standard error), and can be told to fail one verb.
 */
final class FakePf {

    final Path bin;
    final Path log;

    FakePf(Path directory, String failingVerb) throws IOException {
        bin = Files.createDirectories(directory.resolve("bin"));
        log = directory.resolve("pfctl.log");
        script("sudo", "#!/bin/sh\n[ \"$1\" = \"-n\" ] && shift\nexec \"$@\"\n");
        script("pfctl", "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + log + "'\n"
                + (failingVerb == null ? "" : "case \"$*\" in *" + failingVerb + "*) echo 'pfctl: " + failingVerb
                + " refused' >&2; exit 1;; esac\n")
                + "case \"$*\" in -E) echo 'No ALTQ support in kernel' >&2; echo 'pf enabled' >&2;"
                + " echo 'Token : 16045839442358513455' >&2;; esac\nexit 0\n");
    }

    private void script(String name, String text) throws IOException {
        Path file = bin.resolve(name);
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    }

    Pfctl pfctl() {
        return Pfctl.find(bin.toString()).orElseThrow();
    }

    List<String> calls() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }
}
