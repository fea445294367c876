package dev.apptap.samples;

import dev.apptap.redirector.linux.GitSmartHttpServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A git host on loopback ({@code https://git.example.test:<port>/<name>.git}): git's smart HTTP protocol served by
 * {@code git http-backend} as a CGI program, the way Apache or nginx with fcgiwrap serve it, behind TLS with a
 * certificate from {@link LocalApi}'s CA, which apptap trusts upstream. Every repository under its root is exported.
 */
final class LocalGitServer implements AutoCloseable {

    private final GitSmartHttpServer server;
    private final Path root;

    private LocalGitServer(Path root) throws Exception {
        this.root = root;
        // the same smart-HTTP host redirector-linux's git test uses, with a certificate apptap trusts upstream
        this.server = new GitSmartHttpServer(root, LocalApi.start().tls("git.example.test"));
    }

    /** Serves the repositories under {@code root}. */
    static LocalGitServer serving(Path root) throws Exception {
        return new LocalGitServer(root);
    }

    String url(String path) {
        return "https://git.example.test:" + server.port() + path;
    }

    /**
     * Creates the bare repository {@code <root>/<name>} with one commit on {@code main} that adds {@code file}, using
     * local git commands only (nothing here goes over the network).
     */
    void createRepository(String name, String file, String content) throws IOException, InterruptedException {
        Path bare = root.resolve(name);
        Path work = Files.createDirectories(root.resolve(name + ".work"));
        Files.writeString(work.resolve(file), content);
        git(root, "init", "-q", "--bare", "--initial-branch=main", bare.toString());
        git(work, "init", "-q", "--initial-branch=main");
        git(work, "add", file);
        git(work, "-c", "user.name=apptap", "-c", "user.email=apptap@example.test", "commit", "-q", "-m", "first");
        git(work, "push", "-q", bare.toString(), "main");
    }

    private static void git(Path directory, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(arguments));
        Process git = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!git.waitFor(30, TimeUnit.SECONDS) || git.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }

    /** One request: {@code git http-backend} with the CGI variables (RFC 3875), the request body on its stdin. */
    @Override
    public void close() {
        server.close();
    }
}
