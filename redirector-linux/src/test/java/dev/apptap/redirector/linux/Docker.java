package dev.apptap.redirector.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Docker for the container tests, through the {@code docker} CLI: whether it runs, and two images built locally
 * (no registry is reachable in CI): {@link #BUSYBOX} ({@code FROM scratch} with Debian's static busybox, its applets
 * as links in {@code /bin}) and {@link #CURL} (Debian's dynamically linked curl with the libraries {@code ldd} lists,
 * busybox for a shell, and an empty {@code /etc/ssl/certs} where a CA bundle goes).
 */
final class Docker {

    static final String BUSYBOX = "apptap-test/busybox:1";
    static final String CURL = "apptap-test/curl:1";

    private Docker() {
    }

    /** Empty when Docker answers; otherwise the sentence a skipped test shows. */
    static Optional<String> unavailableReason() {
        try {
            Result info = run(List.of("docker", "info", "--format", "{{.ServerVersion}}"), 20);
            if (info.exit() == 0) {
                return Optional.empty();
            }
            return Optional.of("Docker's engine does not answer (docker info: " + info.err().strip()
                    + "); .ci/start-docker.sh starts dockerd as root.");
        } catch (IOException e) {
            return Optional.of("The docker CLI is missing (" + e.getMessage() + "); .ci/install-packages.sh installs"
                    + " docker.io and .ci/start-docker.sh starts dockerd.");
        }
    }

    /** Builds both images unless they exist; quick when they do. */
    static void buildImages(Path work) throws IOException {
        if (!exists(BUSYBOX)) {
            Path context = Files.createDirectories(work.resolve("busybox"));
            Files.copy(Path.of("/bin/busybox"), context.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(context.resolve("Dockerfile"), """
                    FROM scratch
                    COPY busybox /bin/busybox
                    RUN ["/bin/busybox", "--install", "-s", "/bin"]
                    CMD ["/bin/sh"]
                    """);
            build(BUSYBOX, context);
        }
        if (!exists(CURL)) {
            Path context = Files.createDirectories(work.resolve("curl"));
            Path root = context.resolve("rootfs");
            ImageRoot.addWithLibraries(root, Path.of("/usr/bin/curl"));
            ImageRoot.add(root, Path.of("/bin/busybox"));
            Files.createDirectories(root.resolve("etc/ssl/certs"));
            Files.createDirectories(root.resolve("tmp"));
            Files.writeString(context.resolve("Dockerfile"), """
                    FROM scratch
                    COPY rootfs/ /
                    RUN ["/bin/busybox", "--install", "-s", "/bin"]
                    ENV PATH=/usr/bin:/bin
                    CMD ["/bin/sh"]
                    """);
            build(CURL, context);
        }
    }

    /** Removes the images {@link #buildImages} built (tests clean up after themselves; a rebuild takes seconds). */
    static void removeImages() throws IOException {
        run(List.of("docker", "image", "rm", "-f", BUSYBOX, CURL), 60);
    }

    private static boolean exists(String image) throws IOException {
        return run(List.of("docker", "image", "inspect", image), 20).exit() == 0;
    }

    private static void build(String image, Path context) throws IOException {
        Result built = run(List.of("docker", "build", "-q", "-t", image, context.toString()), 120);
        if (built.exit() != 0) {
            throw new IOException("docker build of " + image + " failed: " + built.err());
        }
    }

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    /** Runs a docker (or other) command to its end, at most {@code seconds}. */
    static Result run(List<String> command, int seconds) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        // The legacy builder needs no buildx plugin, which Debian's docker.io lacks.
        builder.environment().put("DOCKER_BUILDKIT", "0");
        Process process = builder.start();
        try {
            var out = process.getInputStream();
            var err = process.getErrorStream();
            byte[][] errBytes = new byte[1][];
            Thread errReader = new Thread(() -> {
                try {
                    errBytes[0] = err.readAllBytes();
                } catch (IOException e) {
                    errBytes[0] = new byte[0];
                }
            });
            errReader.start();
            String outText = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("'" + String.join(" ", command) + "' did not finish within " + seconds + " s.");
            }
            errReader.join(5_000);
            return new Result(process.exitValue(), outText,
                    errBytes[0] == null ? "" : new String(errBytes[0], StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while running " + command, e);
        }
    }
}
