package dev.apptap.testcontainers;

import dev.apptap.redirector.linux.ImageRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * An image built locally (no registry is reachable in CI), {@code FROM scratch}: Debian's static busybox for a shell,
 * its dynamically linked curl and python3.11 (with its standard library), and the libraries {@code ldd} lists for
 * them and for python's extension modules. No CA bundle: {@link Apptap#trusting} brings the trust.
 */
final class RuntimesImage {

    static final String NAME = "apptap-test/runtimes";
    private static final Path PYTHON_LIB = Path.of("/usr/lib/python3.11");

    private RuntimesImage() {
    }

    private static ImageFromDockerfile image;

    /**
     * The image, one per JVM, built when a container first needs it and removed when the JVM ends: without Ryuk,
     * nothing else removes it.
     */
    static synchronized ImageFromDockerfile get() {
        if (image == null) {
            try {
                image = build(Files.createTempDirectory("apptap-runtimes-image"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    DockerClientFactory.instance().client().removeImageCmd(NAME).withForce(true).exec();
                } catch (RuntimeException notBuiltOrGone) {
                    // nothing to remove
                }
            }));
        }
        return image;
    }

    private static ImageFromDockerfile build(Path work) {
        try {
            Path root = Files.createDirectories(work.resolve("rootfs"));
            copyTree(root, PYTHON_LIB);
            for (Path binary : List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/curl"), Path.of("/usr/bin/python3.11"))) {
                ImageRoot.addWithLibraries(root, binary);
            }
            try (var modules = Files.list(PYTHON_LIB.resolve("lib-dynload"))) {
                for (Path module : modules.toList()) {
                    for (Path library : ImageRoot.libraries(module)) {
                        ImageRoot.add(root, library);
                    }
                }
            }
            Files.createDirectories(root.resolve("tmp"));
            return new ImageFromDockerfile(NAME, true)
                    .withFileFromPath("rootfs", root)
                    .withDockerfileFromBuilder(dockerfile -> dockerfile
                            .from("scratch")
                            .copy("rootfs/", "/")
                            .run("/bin/busybox", "--install", "-s", "/bin")
                            .env("PATH", "/usr/bin:/bin")
                            .build());
        } catch (IOException e) {
            throw new UncheckedIOException("The test image " + NAME + " could not be prepared: " + e.getMessage(), e);
        }
    }

    /** The standard library without its tests and caches. */
    private static void copyTree(Path root, Path tree) throws IOException {
        Files.walkFileTree(tree, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String name = dir.getFileName().toString();
                if (!dir.equals(tree) && (name.equals("test") || name.equals("__pycache__")
                        || name.equals("dist-packages") || name.equals("idlelib") || name.equals("tkinter"))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(root.resolve(dir.toString().substring(1)));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile() || attrs.isSymbolicLink()) {
                    ImageRoot.add(root, file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
