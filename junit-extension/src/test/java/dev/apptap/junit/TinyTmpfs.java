package dev.apptap.junit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A tmpfs of one page mounted for a test, full or read-only, and unmounted on close. Mounts left by a JVM that was
 * killed before it could unmount (they all live under {@value #PREFIX}*) are removed when the next one is made.
 */
final class TinyTmpfs implements AutoCloseable {

    private static final String PREFIX = "apptap-tiny-tmpfs-";

    final Path mountPoint;

    private TinyTmpfs(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    /** A tmpfs with no free byte left. */
    static TinyTmpfs full() throws Exception {
        TinyTmpfs fs = mount("size=4k,mode=0777");
        byte[] page = new byte[1024];
        try (var out = Files.newOutputStream(fs.mountPoint.resolve("filler"))) {
            while (true) {
                out.write(page);
                out.flush();
            }
        } catch (IOException full) {
            // No space left on device: exactly what was wanted
        }
        return fs;
    }

    /** A tmpfs mounted read-only: root cannot write there either, unlike a chmod'ed directory. */
    static TinyTmpfs readOnly() throws Exception {
        return mount("size=4k,ro");
    }

    private static TinyTmpfs mount(String options) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "Mounting a tmpfs needs root; this fault test runs where the kernel tests run.");
        removeLeftovers();
        Path dir = Files.createTempDirectory(PREFIX);
        run(List.of("mount", "-t", "tmpfs", "-o", options, "apptap-test", dir.toString()));
        return new TinyTmpfs(dir);
    }

    @Override
    public void close() throws Exception {
        run(List.of("umount", "-l", mountPoint.toString()));
        Files.deleteIfExists(mountPoint);
    }

    private static void removeLeftovers() throws Exception {
        String tmp = System.getProperty("java.io.tmpdir");
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"), StandardCharsets.UTF_8)) {
            String[] fields = line.split(" ");
            if (fields.length > 1 && fields[1].startsWith(Path.of(tmp, PREFIX).toString())) {
                run(List.of("umount", "-l", fields[1]));
                Files.deleteIfExists(Path.of(fields[1]));
            }
        }
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("'" + String.join(" ", command) + "' failed: " + out.strip());
        }
    }
}
