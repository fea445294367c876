package dev.apptap.proxy.testing.nft;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the cgroup v2 hierarchy is mounted. Hybrid hosts mount it at {@code /sys/fs/cgroup/unified} with v1
 * controllers beside it, so the path comes from {@code /proc/self/mountinfo}, never from a constant.
 *
 * @param mountPoint where the hierarchy is visible in this mount namespace
 * @param root       the cgroup the mount shows as its top, relative to the hierarchy's root ({@code /} unless a
 *                   cgroup namespace or a bind mount narrows it)
 */
record Cgroup2Mount(Path mountPoint, String root) {

    static Optional<Cgroup2Mount> find() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8));
        } catch (IOException noProcfs) {
            return Optional.empty();
        }
    }

    /** Reads mountinfo lines: {@code id parent major:minor root mountpoint options [optional...] - fstype ...}. */
    static Optional<Cgroup2Mount> parse(List<String> mountinfo) {
        for (String line : mountinfo) {
            String[] fields = line.split(" ");
            int separator = List.of(fields).indexOf("-");
            if (separator < 6 || separator + 1 >= fields.length || !fields[separator + 1].equals("cgroup2")) {
                continue;
            }
            return Optional.of(new Cgroup2Mount(Path.of(unescape(fields[4])), unescape(fields[3])));
        }
        return Optional.empty();
    }

    /** The cgroup v2 level of a cgroup made directly under the mount point: nft's {@code socket cgroupv2 level}. */
    int childLevel() {
        int depth = 0;
        for (String part : root.split("/")) {
            if (!part.isEmpty()) {
                depth++;
            }
        }
        return depth + 1;
    }

    /** mountinfo writes space, tab, newline and backslash as three-digit octal escapes. */
    static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
