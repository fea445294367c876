package dev.apptap.flow;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The local process that opened an intercepted connection.
 *
 * <pre>{@code
 * ProcessInfo p = flow.process();
 * if (p.isKnown()) System.out.println(p.name() + " (pid " + p.pid() + ")");
 * }</pre>
 *
 * @param pid         the process id (thread-group id), or {@code -1} when unknown
 * @param name        the executable's file name ({@code curl}), or the kernel's short name when the
 *                    executable cannot be read; {@code "unknown"} when unknown
 * @param executable  the absolute path of the executable, or an empty string when unknown
 * @param commandLine the command line, argument by argument; empty when unknown
 * @param container   the container the process runs in (its pid there too), if it runs in one
 */
public record ProcessInfo(long pid, String name, String executable, List<String> commandLine,
                          Optional<ContainerInfo> container) {

    /** The process could not be determined (it exited, or it runs on another host). */
    public static final ProcessInfo UNKNOWN = new ProcessInfo(-1, "unknown", "", List.of());

    public ProcessInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(executable, "executable");
        Objects.requireNonNull(container, "container");
        commandLine = List.copyOf(commandLine);
    }

    /** A process that runs in no container (or whose container is unknown). */
    public ProcessInfo(long pid, String name, String executable, List<String> commandLine) {
        this(pid, name, executable, commandLine, Optional.empty());
    }

    /** This process, placed in {@code container}. */
    public ProcessInfo inContainer(ContainerInfo container) {
        return new ProcessInfo(pid, name, executable, commandLine, Optional.of(container));
    }

    /** Whether a real process stands behind this value. */
    public boolean isKnown() {
        return pid >= 0;
    }

    /** {@code curl (pid 4242)}, {@code curl (pid 4242 in container web (busybox, 3f4e5d6c7b8a, pid 1))}, or
     * {@code an unknown process}: for messages. */
    public String describe() {
        if (!isKnown()) {
            return "an unknown process";
        }
        return name + " (pid " + pid + container.map(c -> " in " + c.describe()).orElse("") + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
