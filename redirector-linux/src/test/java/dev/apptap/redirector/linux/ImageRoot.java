package dev.apptap.redirector.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The root file system of a test image built {@code FROM scratch} (no registry is reachable in CI): this machine's
 * programs copied in at their own paths, with the shared libraries {@code ldd} lists for them. The testcontainers
 * module's tests use it too (through this module's test jar).
 *
 * <pre>{@code
 * ImageRoot.addWithLibraries(root, Path.of("/usr/bin/curl"));   // then: COPY rootfs/ /
 * }</pre>
 */
public final class ImageRoot {

    private static final Pattern LDD_PATH = Pattern.compile("(/\\S+) \\(0x");

    private ImageRoot() {
    }

    /** Copies {@code binary} and the libraries it loads (the dynamic loader included) under {@code root}. */
    public static void addWithLibraries(Path root, Path binary) throws IOException {
        add(root, binary);
        for (Path library : libraries(binary)) {
            add(root, library);
        }
    }

    /** Copies the file {@code path} resolves to under {@code root}, at {@code path} itself, mode included. */
    public static void add(Path root, Path path) throws IOException {
        Path target = root.resolve(path.toString().substring(1));
        Files.createDirectories(target.getParent());
        Files.copy(path.toRealPath(), target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
    }

    /** The libraries {@code ldd} lists for {@code binary} (an executable or a shared object). */
    public static Set<Path> libraries(Path binary) throws IOException {
        Process ldd = new ProcessBuilder("ldd", binary.toString()).redirectErrorStream(true).start();
        String out = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!ldd.waitFor(20, TimeUnit.SECONDS)) {
                ldd.destroyForcibly();
                throw new IOException("ldd " + binary + " did not finish within 20 s.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running ldd " + binary, e);
        }
        Set<Path> paths = new LinkedHashSet<>();
        Matcher m = LDD_PATH.matcher(out);
        while (m.find()) {
            paths.add(Path.of(m.group(1)));
        }
        return paths;
    }
}
