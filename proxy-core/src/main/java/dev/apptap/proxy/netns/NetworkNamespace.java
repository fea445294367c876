package dev.apptap.proxy.netns;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A Linux network namespace, named by a file such as {@code /proc/<pid>/ns/net}, in which code can create sockets: a
 * socket lives in the namespace it was created in, whichever thread uses it later. {@link #call} runs the action on
 * a thread of its own that {@code setns(2)}s into the namespace and ends with the action, so no other thread of the
 * JVM ever changes namespace.
 *
 * <pre>{@code
 * NetworkNamespace container = NetworkNamespace.ofProcess(containerPid);
 * Channel listener = container.call(() -> bootstrap.bind(new InetSocketAddress("127.0.0.1", port)).sync().channel());
 * }</pre>
 *
 * Needs {@code CAP_SYS_ADMIN} over the namespace's owner (root for Docker's containers).
 */
public final class NetworkNamespace {

    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;

    private final Path file;

    private NetworkNamespace(Path file) {
        this.file = file;
    }

    /** The namespace {@code file} names ({@code /proc/<pid>/ns/net}, or a bind mount under {@code /run/netns}). */
    public static NetworkNamespace of(Path file) {
        return new NetworkNamespace(file);
    }

    /** The network namespace process {@code pid} lives in. */
    public static NetworkNamespace ofProcess(long pid) {
        return of(Path.of("/proc", Long.toString(pid), "ns", "net"));
    }

    public Path file() {
        return file;
    }

    /**
     * The namespace's identity as the kernel shows it ({@code net:[4026532281]}), the same for every process in it.
     *
     * @throws IOException when the file is gone (the process exited) or unreadable
     */
    public String identity() throws IOException {
        return Files.readSymbolicLink(file).toString();
    }

    /**
     * Runs {@code action} inside the namespace and returns its result; sockets it creates stay there.
     *
     * @throws IOException when the namespace cannot be entered (named in a sentence) or the action fails
     */
    public <T> T call(Callable<T> action) throws IOException {
        FutureTask<T> task = new FutureTask<>(() -> {
            enter();
            return action.call();
        });
        Thread thread = new Thread(task, "apptap-netns");
        thread.setDaemon(true);
        thread.start();
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("apptap was interrupted while working in the network namespace " + file + ".", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException("apptap could not open sockets in the network namespace " + file + ": "
                    + cause.getMessage(), cause);
        }
    }

    private void enter() throws IOException {
        int fd;
        try {
            fd = Libc.open(file.toString(), O_RDONLY_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("apptap could not open the network namespace " + file + " (errno "
                    + e.getErrorCode() + "); the process may have exited.", e);
        }
        try {
            Libc.setns(fd, CLONE_NEWNET);
        } catch (LastErrorException e) {
            throw new IOException("apptap could not enter the network namespace " + file + " (errno "
                    + e.getErrorCode() + "); entering another process's namespace needs root (CAP_SYS_ADMIN).", e);
        } finally {
            Libc.close(fd);
        }
    }

    @Override
    public String toString() {
        return file.toString();
    }

    private static final class Libc {
        static {
            Native.register("c");
        }

        static native int open(String path, int flags) throws LastErrorException;

        static native int setns(int fd, int nstype) throws LastErrorException;

        static native int close(int fd);
    }
}
