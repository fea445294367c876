package dev.apptap.redirector.macos.ne;

import dev.apptap.flow.ProcessInfo;
import dev.apptap.proxy.origin.ProcfsProcessResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * mitmproxy's redirector app and extension as a test plays them, from the wire format alone: a launcher script that
 * records the socket path it is given and exits (as the real launcher does once the extension runs), and, in this
 * JVM, an "extension" that dials every recorded path back, reads the specs sent on the control channel, and captures
 * real apps' TCP connections on loopback ports: a connection from a process the spec matches (by the substring of its
 * executable's path, as the extension matches) becomes one flow to apptap with the app's pid and path, as the
 * extension sends them; any other goes straight to its destination, as the operating system would send it.
 */
final class FakeExtension implements AutoCloseable {

    /** The spec the extension applies: the last one received on any control channel. */
    private volatile List<String> spec = List.of();
    private final Path launches;
    private final Path launcher;
    private final BlockingQueue<List<String>> specs = new LinkedBlockingQueue<>();
    private final List<Path> sockets = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger controlsClosed = new AtomicInteger();
    private final AtomicInteger intercepted = new AtomicInteger();
    private final AtomicInteger direct = new AtomicInteger();
    private final Thread watcher;
    private volatile boolean closed;

    private FakeExtension(Path directory) throws IOException {
        launches = directory.resolve("launches");
        launcher = directory.resolve("fake-redirector");
        Files.writeString(launcher, "#!/bin/sh\n[ \"${1#/tmp/}\" != \"$1\" ] || { echo 'the socket path must be under /tmp/' >&2; exit 1; }\n"
                + "printf '%s\\n' \"$1\" >> '" + launches + "'\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
        watcher = new Thread(this::watchLaunches, "fake-extension-launches");
        watcher.setDaemon(true);
        watcher.start();
    }

    static FakeExtension install(Path directory) throws IOException {
        return new FakeExtension(directory);
    }

    /** The launcher to give apptap ({@code apptap.macos.redirectorApp}). */
    Path launcher() {
        return launcher;
    }

    int launchCount() {
        return sockets.size();
    }

    int controlsClosed() {
        return controlsClosed.get();
    }

    int intercepted() {
        return intercepted.get();
    }

    int direct() {
        return direct.get();
    }

    /** The next spec apptap sent, in the order sent. */
    List<String> nextSpec() throws InterruptedException {
        List<String> next = specs.poll(30, TimeUnit.SECONDS);
        if (next == null) {
            throw new AssertionError("apptap sent no intercept spec within 30 s; specs so far: " + spec);
        }
        return next;
    }

    private void watchLaunches() {
        int seen = 0;
        while (!closed) {
            try {
                List<String> lines = Files.exists(launches) ? Files.readAllLines(launches) : List.of();
                for (; seen < lines.size(); seen++) {
                    Path socket = Path.of(lines.get(seen));
                    sockets.add(socket);
                    dialControl(socket);
                }
                Thread.sleep(10);
            } catch (IOException | InterruptedException e) {
                return;
            }
        }
    }

    private void dialControl(Path socket) throws IOException {
        SocketChannel control = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        open.add(control);
        Thread reader = new Thread(() -> {
            try {
                while (true) {
                    byte[] message = readFrame(control);
                    if (message == null) {
                        break;
                    }
                    List<String> actions = ExtensionBytes.actions(message);
                    spec = actions;
                    specs.add(actions);
                }
            } catch (IOException e) {
                // closed
            }
            controlsClosed.incrementAndGet();
        }, "fake-extension-control");
        reader.setDaemon(true);
        reader.start();
    }

    /** Whether the extension would intercept the process, by its rules: pid, or substring of the executable path. */
    boolean matches(long pid, String executable) {
        List<String> actions = spec;
        if (actions.isEmpty()) {
            return false;
        }
        boolean intercept = actions.get(0).startsWith("!");
        for (String action : actions) {
            boolean exclude = action.startsWith("!");
            String pattern = exclude ? action.substring(1) : action;
            boolean hit = pattern.chars().allMatch(Character::isDigit)
                    ? Long.parseLong(pattern) == pid : executable.contains(pattern);
            intercept = exclude ? intercept && !hit : intercept || hit;
        }
        return intercept;
    }

    /** A new connection to the latest socket apptap launched the extension with. */
    SocketChannel dial() throws IOException {
        if (sockets.isEmpty()) {
            throw new AssertionError("apptap has not launched the redirector app yet.");
        }
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(sockets.get(sockets.size() - 1)));
        open.add(channel);
        return channel;
    }

    /** Opens a flow whose handshake is {@code bytes}, exactly. */
    SocketChannel openFlow(byte[] bytes) throws IOException {
        SocketChannel flow = dial();
        write(flow, bytes);
        return flow;
    }

    /**
     * A loopback port that stands for {@code destination}: apps connect to it (curl {@code --connect-to}) as if the
     * operating system had captured their connections to {@code destination}.
     */
    int capture(InetSocketAddress destination) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        open.add(server);
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket app = server.accept();
                    open.add(app);
                    Thread handler = new Thread(() -> handle(app, destination), "fake-extension-flow");
                    handler.setDaemon(true);
                    handler.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "fake-extension-capture");
        acceptor.setDaemon(true);
        acceptor.start();
        return server.getLocalPort();
    }

    private void handle(Socket app, InetSocketAddress destination) {
        try {
            // The real extension learns the app from the flow's audit token; here the kernel's socket table says it.
            ProcessInfo process = new ProcfsProcessResolver().resolve((InetSocketAddress) app.getRemoteSocketAddress(),
                    (InetSocketAddress) app.getLocalSocketAddress());
            if (!matches(process.pid(), process.executable())) {
                direct.incrementAndGet();
                Socket upstream = new Socket(destination.getAddress(), destination.getPort());
                open.add(upstream);
                pump(app.getInputStream(), upstream.getOutputStream(), upstream::shutdownOutput);
                pump(upstream.getInputStream(), app.getOutputStream(), app::shutdownOutput);
                return;
            }
            intercepted.incrementAndGet();
            SocketChannel flow = openFlow(ExtensionBytes.tcpFlow(destination.getAddress().getHostAddress(),
                    destination.getPort(), process.pid(), process.executable()));
            pump(app.getInputStream(), new ChannelOut(flow), flow::shutdownOutput);
            pump(new ChannelIn(flow), app.getOutputStream(), app::shutdownOutput);
        } catch (IOException e) {
            try {
                app.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    interface Shutdown {
        void run() throws IOException;
    }

    private static void pump(InputStream in, OutputStream out, Shutdown done) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
                done.run();
            } catch (IOException e) {
                // one side went away; the other side's pump ends too
            }
        }, "fake-extension-pump");
        thread.setDaemon(true);
        thread.start();
    }

    /** Reads and writes on a Unix SocketChannel from two threads at once, which Channels' stream adapters forbid. */
    private static final class ChannelIn extends InputStream {
        private final SocketChannel channel;

        ChannelIn(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return channel.read(ByteBuffer.wrap(b, off, len));
        }
    }

    private static final class ChannelOut extends OutputStream {
        private final SocketChannel channel;

        ChannelOut(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            FakeExtension.write(channel, ByteBuffer.wrap(b, off, len));
        }
    }

    static void write(SocketChannel channel, byte[] bytes) throws IOException {
        write(channel, ByteBuffer.wrap(bytes));
    }

    private static void write(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** One frame's message, or null at the end of the stream. */
    static byte[] readFrame(SocketChannel channel) throws IOException {
        ByteBuffer length = ByteBuffer.allocate(4);
        if (!readFully(channel, length)) {
            return null;
        }
        ByteBuffer message = ByteBuffer.allocate(length.flip().getInt());
        if (!readFully(channel, message)) {
            throw new IOException("The stream ended inside a frame.");
        }
        return message.array();
    }

    private static boolean readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Everything left on {@code channel} until apptap closes it. */
    static String readToEnd(SocketChannel channel) throws IOException {
        List<Byte> bytes = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        while (channel.read(buffer) >= 0) {
            buffer.flip();
            while (buffer.hasRemaining()) {
                bytes.add(buffer.get());
            }
            buffer.clear();
        }
        byte[] array = new byte[bytes.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = bytes.get(i);
        }
        return new String(array, StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        closed = true;
        watcher.interrupt();
        for (AutoCloseable resource : open) {
            try {
                resource.close();
            } catch (Exception e) {
                // best effort
            }
        }
    }
}
