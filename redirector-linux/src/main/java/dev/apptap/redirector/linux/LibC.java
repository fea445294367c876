package dev.apptap.redirector.linux;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** libc: opening the cgroup directory for attaching, and formatting libbpf's log lines. */
interface LibC extends Library {

    LibC INSTANCE = Native.load("c", LibC.class);

    int O_RDONLY = 0;
    int O_DIRECTORY = 0x10000;
    int O_CLOEXEC = 0x80000;

    int open(String path, int flags);

    int close(int fd);

    int vsnprintf(byte[] buffer, long size, String format, Pointer args);
}
