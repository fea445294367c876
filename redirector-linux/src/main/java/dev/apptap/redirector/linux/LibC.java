package dev.apptap.redirector.linux;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * libc: opening the cgroup directory for attaching, formatting libbpf's log lines, reading a network namespace's
 * cookie and continuing a process stopped until its namespace was ready.
 */
interface LibC extends Library {

    LibC INSTANCE = Native.load("c", LibC.class);

    int O_RDONLY = 0;
    int O_DIRECTORY = 0x10000;
    int O_CLOEXEC = 0x80000;

    int open(String path, int flags);

    int close(int fd);

    int AF_INET = 2;
    int SOCK_DGRAM = 2;
    int SOL_SOCKET = 1;
    int SO_NETNS_COOKIE = 71;
    int SIGCONT = 18;

    int vsnprintf(byte[] buffer, long size, String format, Pointer args);

    int socket(int domain, int type, int protocol);

    int getsockopt(int fd, int level, int option, byte[] value, int[] length);

    int kill(int pid, int signal);
}
