package dev.apptap.redirector.linux;

import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import dev.apptap.proxy.redirect.RedirectorProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * OSPROXY on Linux with eBPF: {@code connect4/6} and friends on the cgroup-v2 root. A root JVM loads the programs
 * itself; any other JVM asks {@link SudoHelper} ({@code sudo -n apptap-redirector-helper}) to load and hold them,
 * which works once a sudoers rule allows that one command without a password.
 */
public final class LinuxRedirectorProvider implements RedirectorProvider {

    @Override
    public String name() {
        return "linux-ebpf";
    }

    @Override
    public Optional<String> unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return Optional.of("The linux-ebpf redirector runs only on Linux.");
        }
        if (effectiveUid() != 0) {
            return SudoHelper.unavailableReason();
        }
        return kernelReason();
    }

    @Override
    public Redirector start(RedirectTarget target) throws IOException {
        Optional<String> why = unavailableReason();
        if (why.isPresent()) {
            throw new IOException(why.get());
        }
        if (effectiveUid() != 0) {
            return SudoHelper.start(target);
        }
        return EbpfRedirector.start(target, CgroupRoot.find().orElseThrow());
    }

    /** What this machine lacks for loading the programs, as root: cgroup v2, BTF, libbpf. */
    static Optional<String> kernelReason() {
        if (CgroupRoot.find().isEmpty()) {
            return Optional.of("OSPROXY on Linux needs a cgroup-v2 hierarchy, and /proc/self/mountinfo shows none;"
                    + " mount one (mount -t cgroup2 none /sys/fs/cgroup/unified) or boot with systemd's unified"
                    + " or hybrid layout.");
        }
        if (!Files.exists(Path.of("/sys/kernel/btf/vmlinux"))) {
            return Optional.of("OSPROXY on Linux needs a kernel with BTF (/sys/kernel/btf/vmlinux), which stock"
                    + " Debian 12 and Ubuntu 22.04+ kernels have and this one lacks.");
        }
        try {
            Libbpf.load();
        } catch (UnsatisfiedLinkError e) {
            return Optional.of("OSPROXY on Linux needs " + Libbpf.LIBRARY + "; install it with"
                    + " 'apt-get install libbpf1'.");
        }
        return Optional.empty();
    }

    /** The effective uid from {@code /proc/self/status} ({@code Uid: real effective saved fs}); -1 if unknown. */
    static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
