package dev.apptap.redirector.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the cgroup-v2 hierarchy is mounted, read from {@code /proc/self/mountinfo}: {@code /sys/fs/cgroup} on
 * unified hosts, {@code /sys/fs/cgroup/unified} on hybrid ones (systemd's v1 + v2 layout). Every process is
 * in the v2 hierarchy, so programs attached to its root see every process's sockets.
 */
final class CgroupRoot {

    private CgroupRoot() {
    }

    static Optional<Path> find() {
        try {
            return find(Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** mountinfo: {@code id parent major:minor root mountpoint options [optional...] - fstype source superopts}. */
    static Optional<Path> find(List<String> mountinfo) {
        for (String line : mountinfo) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] before = line.substring(0, dash).split(" ");
            String[] after = line.substring(dash + 3).split(" ");
            if (after.length > 0 && after[0].equals("cgroup2") && before.length > 4 && before[3].equals("/")) {
                return Optional.of(Path.of(unescape(before[4])));
            }
        }
        return Optional.empty();
    }

    /** mountinfo escapes space, tab, newline and backslash as octal ({@code \040}). */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
