package dev.apptap.redirector.macos.pf;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.apptap.flow.ProcessInfo;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Which process owns an app's end of a redirected connection, and where that socket was connected before pf
 * redirected it: pf rewrites packets, not sockets, so the app's socket still names the original destination. Reads
 * libproc ({@code bsd/sys/proc_info.h}, in libSystem): the user's pids, their file descriptors, each socket's
 * {@link SocketFdInfo}. Same-user processes need no privilege ({@code proc_security_policy}, {@code CHECK_SAME_USER}).
 */
final class LibProc {

    private static final int PROC_UID_ONLY = 4;
    private static final int PROC_PIDLISTFDS = 1;
    private static final int PROC_PIDFDSOCKETINFO = 3;
    private static final int PROX_FDTYPE_SOCKET = 2;
    private static final int PROC_FDINFO_SIZE = 8;
    private static final int PROC_PIDPATHINFO_MAXSIZE = 4096;

    /** The libproc calls apptap makes. */
    interface Calls extends Library {
        int proc_listpids(int type, int typeinfo, Pointer buffer, int bufferSize);

        int proc_pidinfo(int pid, int flavor, long arg, Pointer buffer, int bufferSize);

        int proc_pidfdinfo(int pid, int fd, int flavor, Pointer buffer, int bufferSize);

        int proc_pidpath(int pid, Pointer buffer, int bufferSize);
    }

    /** The owner of a socket and where it is connected. */
    record Owner(ProcessInfo process, InetSocketAddress destination) {
    }

    private final Calls calls;

    LibProc() {
        this.calls = Native.load("System", Calls.class);
    }

    /** The process of {@code uid} whose TCP socket has the local address {@code app}, if one has. */
    Optional<Owner> owner(long uid, InetSocketAddress app) {
        int bytes = calls.proc_listpids(PROC_UID_ONLY, (int) uid, null, 0);
        if (bytes <= 0) {
            return Optional.empty();
        }
        Memory pids = new Memory(bytes + 64L * 4);
        int filled = calls.proc_listpids(PROC_UID_ONLY, (int) uid, pids, (int) pids.size());
        Memory socket = new Memory(SocketFdInfo.SIZE);
        for (int i = 0; i < filled / 4; i++) {
            int pid = pids.getInt(4L * i);
            if (pid <= 0) {
                continue;
            }
            Optional<InetSocketAddress> destination = destination(pid, app, socket);
            if (destination.isPresent()) {
                return Optional.of(new Owner(describe(pid), destination.get()));
            }
        }
        return Optional.empty();
    }

    private Optional<InetSocketAddress> destination(int pid, InetSocketAddress app, Memory socket) {
        int size = calls.proc_pidinfo(pid, PROC_PIDLISTFDS, 0, null, 0);
        if (size <= 0) {
            return Optional.empty();
        }
        Memory fds = new Memory(size + 16L * PROC_FDINFO_SIZE);
        int filled = calls.proc_pidinfo(pid, PROC_PIDLISTFDS, 0, fds, (int) fds.size());
        for (int i = 0; i < filled / PROC_FDINFO_SIZE; i++) {
            int fd = fds.getInt((long) i * PROC_FDINFO_SIZE);
            int type = fds.getInt((long) i * PROC_FDINFO_SIZE + 4);
            if (type != PROX_FDTYPE_SOCKET
                    || calls.proc_pidfdinfo(pid, fd, PROC_PIDFDSOCKETINFO, socket, SocketFdInfo.SIZE) != SocketFdInfo.SIZE) {
                continue; // the fd closed meanwhile (EBADF), or is no socket libproc describes
            }
            SocketFdInfo info = SocketFdInfo.decode(socket.getByteArray(0, SocketFdInfo.SIZE));
            if (info.isTcp() && info.local().getPort() == app.getPort()
                    && info.local().getAddress().equals(app.getAddress())) {
                return Optional.of(info.foreign());
            }
        }
        return Optional.empty();
    }

    private ProcessInfo describe(int pid) {
        Memory path = new Memory(PROC_PIDPATHINFO_MAXSIZE);
        int length = calls.proc_pidpath(pid, path, PROC_PIDPATHINFO_MAXSIZE);
        String executable = length > 0 ? new String(path.getByteArray(0, length), StandardCharsets.UTF_8) : "";
        String name = executable.isEmpty() ? "unknown" : executable.substring(executable.lastIndexOf('/') + 1);
        return new ProcessInfo(pid, name, executable, ProcessHandle.of(pid)
                .flatMap(handle -> handle.info().arguments())
                .map(arguments -> {
                    String[] line = new String[arguments.length + 1];
                    line[0] = executable;
                    System.arraycopy(arguments, 0, line, 1, arguments.length);
                    return List.of(line);
                })
                .orElse(List.of()));
    }
}
