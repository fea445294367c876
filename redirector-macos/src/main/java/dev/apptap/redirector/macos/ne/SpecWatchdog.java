package dev.apptap.redirector.macos.ne;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child process that outlives a {@code kill -9} of the JVM and then resets the extension's spec: the extension keeps
 * its last spec when the control channel just closes, so a killed test JVM would leave every matching app without
 * network. The child waits on its standard input, a pipe only the JVM holds: {@code disarm} means the JVM closed the
 * redirector properly; end of input (the JVM died) or {@code fire} means it relaunches the redirector app with a
 * socket of its own and sends the never-matching spec. It runs with nothing but the JDK and {@link NeWire}.
 *
 * <pre>
 * java -cp &lt;this module&gt; dev.apptap.redirector.macos.ne.SpecWatchdog &lt;launcher&gt; &lt;action&gt;...
 * </pre>
 */
public final class SpecWatchdog {

    private static final long CONTROL_WAIT_MILLIS = 30_000;
    private static final long SETTLE_MILLIS = 250;
    private static final Path LAUNCH_LOCK = Path.of("/tmp/apptap-macos-ne.lock");

    private SpecWatchdog() {
    }

    /** The JVM's end of a running watchdog. */
    static final class Handle {
        private final Process process;

        private Handle(Process process) {
            this.process = process;
        }

        /** The redirector closed properly: the watchdog exits without touching the extension. */
        void disarm() {
            tell("disarm");
        }

        /** Resets the spec now (the JVM could not send it itself). */
        void fire() {
            tell("fire");
        }

        private void tell(String word) {
            try (OutputStream in = process.getOutputStream()) {
                in.write((word + "\n").getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // The watchdog already ended; there is nothing left to tell it.
            }
        }

        long pid() {
            return process.pid();
        }
    }

    /** Starts the watchdog for {@code launcher}, which resets the spec to {@code never} unless disarmed. */
    static Handle start(Path launcher, List<String> never) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", codeSource(), SpecWatchdog.class.getName(),
                launcher.toString()));
        command.addAll(never);
        Process process = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        return new Handle(process);
    }

    private static String codeSource() throws IOException {
        try {
            return Path.of(SpecWatchdog.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException | RuntimeException e) {
            throw new IOException("apptap could not find its own classes to start the macOS redirector's watchdog: "
                    + e.getMessage(), e);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: SpecWatchdog <redirector launcher> <action>...");
            System.exit(2);
        }
        Path launcher = Path.of(args[0]);
        List<String> never = List.of(args).subList(1, args.length);
        String word;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII))) {
            word = in.readLine();
        } catch (IOException e) {
            word = null;
        }
        if ("disarm".equals(word)) {
            return;
        }
        try {
            reset(launcher, never);
        } catch (IOException e) {
            System.err.println("apptap's watchdog could not reset the macOS redirector extension's intercept spec: "
                    + e.getMessage() + " Apps that apptap intercepted may have no network until you relaunch apptap"
                    + " or disable 'Mitmproxy Redirector' in System Settings → General → Login Items & Extensions →"
                    + " Network Extensions.");
            System.exit(1);
        }
    }

    /**
     * The file whose lock serialises launches of the redirector app across JVMs and users: the extension's
     * configuration is one per machine, and two launches at once overwrite each other's socket path. Whoever creates
     * it lets every user write it, or the next user's apptap could not take the lock.
     */
    static FileChannel launchLock() throws IOException {
        FileChannel channel = FileChannel.open(LAUNCH_LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            Files.setPosixFilePermissions(LAUNCH_LOCK, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException | UnsupportedOperationException e) {
            // Another user created it and already opened it to everyone.
        }
        return channel;
    }

    private static void reset(Path launcher, List<String> never) throws IOException, InterruptedException {
        Path socket = Path.of("/tmp", "apptap-ne-reset-" + ProcessHandle.current().pid() + ".sock");
        Files.deleteIfExists(socket);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             FileChannel lockFile = launchLock();
             FileLock lock = lockFile.lock()) {
            server.bind(UnixDomainSocketAddress.of(socket));
            server.configureBlocking(false);
            Process app = new ProcessBuilder(launcher.toString(), socket.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONTROL_WAIT_MILLIS);
            SocketChannel accepted;
            while ((accepted = server.accept()) == null) {
                if (System.nanoTime() > deadline) {
                    app.destroy();
                    throw new IOException("The extension did not connect to " + socket + " within "
                            + CONTROL_WAIT_MILLIS / 1000 + " s of launching " + launcher + ".");
                }
                Thread.sleep(20);
            }
            try (SocketChannel control = accepted) {
                control.configureBlocking(true);
                ByteBuffer frame = ByteBuffer.wrap(NeWire.interceptConf(never));
                while (frame.hasRemaining()) {
                    control.write(frame);
                }
                Thread.sleep(SETTLE_MILLIS);
            }
        } finally {
            Files.deleteIfExists(socket);
        }
    }
}
