package dev.apptap.redirector.macos.ne;

import io.netty.channel.Channel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The redirector app's launcher ({@code Mitmproxy Redirector.app/Contents/MacOS/Mitmproxy Redirector}): given a socket
 * path under {@code /tmp}, it activates the extension and points it at that path, then exits. The extension is one per
 * machine and its configuration is shared, so two launches at once overwrite each other's path: launches are
 * serialised across JVMs with a lock file, held until the control channel has arrived.
 *
 * @param executable the launcher's executable
 */
record RedirectorApp(Path executable) {

    /** Where mitmproxy installs the app; system extensions only activate from {@code /Applications}. */
    static final Path DEFAULT = Path.of("/Applications/Mitmproxy Redirector.app/Contents/MacOS/Mitmproxy Redirector");
    /** The system property that points apptap at another launcher (a test's fake extension, a copy elsewhere). */
    static final String PROPERTY = "apptap.macos.redirectorApp";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** The launcher the property names, else the default one. */
    static RedirectorApp configured() {
        String path = System.getProperty(PROPERTY, "").strip();
        return new RedirectorApp(path.isEmpty() ? DEFAULT : Path.of(path));
    }

    boolean isDefault() {
        return executable.equals(DEFAULT);
    }

    /**
     * A fresh socket path in {@code /tmp}: the extension runs as root in its own sandbox and cannot reach the per-user
     * {@code $TMPDIR}, and the launcher refuses any path that does not start with {@code /tmp/}; macOS allows 104
     * bytes for a socket path, and this one takes about 40.
     */
    static Path newSocketPath(String prefix) {
        byte[] random = new byte[6];
        RANDOM.nextBytes(random);
        return Path.of("/tmp", prefix + "-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(random)
                + ".sock");
    }

    /**
     * Deletes the sockets in {@code directory} that JVMs killed with {@code kill -9} left behind (named
     * {@code <prefix>-<pid>-…sock}, the pid no longer running); another user's stay, since only they may delete them.
     */
    static void removeStaleSockets(Path directory, String prefix) {
        try (DirectoryStream<Path> sockets = Files.newDirectoryStream(directory, prefix + "-*.sock")) {
            for (Path socket : sockets) {
                String[] parts = socket.getFileName().toString().substring(prefix.length() + 1).split("-");
                try {
                    if (ProcessHandle.of(Long.parseLong(parts[0])).isEmpty()) {
                        Files.deleteIfExists(socket);
                    }
                } catch (NumberFormatException | IOException e) {
                    // not one of apptap's, or not this user's
                }
            }
        } catch (IOException e) {
            // a directory apptap cannot list holds nothing apptap could delete
        }
    }

    /**
     * Launches the app with {@code socket} and waits for the extension's control channel: the launcher may block
     * while macOS waits for the user's approval, so its exit is never awaited without a limit.
     */
    Channel launchAndAwait(Path socket, CompletableFuture<Channel> control, Duration wait) throws IOException {
        try (FileChannel lockFile = SpecWatchdog.launchLock();
             FileLock lock = lockFile.lock()) {
            Process launcher = launch(socket);
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            Thread drain = drain(launcher.getInputStream(), output);
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                try {
                    return control.get(100, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (!launcher.isAlive() && launcher.exitValue() != 0) {
                        drain.join(1000);
                        throw new IOException("The macOS redirector app " + executable + " exited with status "
                                + launcher.exitValue() + " before its extension connected"
                                + said(output) + "; " + ExtensionStatus.APPROVE + ".");
                    }
                    if (System.nanoTime() > deadline) {
                        launcher.destroy();
                        throw new IOException("The macOS redirector extension did not connect to " + socket
                                + " within " + wait.toSeconds() + " s of launching " + executable + said(output)
                                + "; " + ExtensionStatus.APPROVE + ".");
                    }
                }
            }
        } catch (ExecutionException e) {
            throw new IOException("apptap could not accept the macOS redirector extension's control channel: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("apptap was interrupted while waiting for the macOS redirector extension.", e);
        }
    }

    Process launch(Path socket) throws IOException {
        if (!Files.isExecutable(executable)) {
            throw new IOException("The macOS redirector app " + executable + " is missing or not executable; "
                    + ExtensionStatus.INSTALL + ".");
        }
        return new ProcessBuilder(executable.toString(), socket.toString()).redirectErrorStream(true).start();
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream output) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[4096];
            try (in) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    synchronized (output) {
                        if (output.size() < 16 * 1024) {
                            output.write(buffer, 0, n);
                        }
                    }
                }
            } catch (IOException e) {
                // The launcher is gone; what it said so far is kept.
            }
        }, "apptap-ne-launcher-output");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static String said(ByteArrayOutputStream output) {
        String text;
        synchronized (output) {
            text = output.toString(StandardCharsets.UTF_8).strip();
        }
        return text.isEmpty() ? "" : " (it said: " + text.replace('\n', ' ') + ")";
    }
}
