package dev.apptap.flow;

import java.util.List;
import java.util.Objects;

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
 */
public record ProcessInfo(long pid, String name, String executable, List<String> commandLine) {

    /** The process could not be determined (it exited, or it runs on another host). */
    public static final ProcessInfo UNKNOWN = new ProcessInfo(-1, "unknown", "", List.of());

    public ProcessInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(executable, "executable");
        commandLine = List.copyOf(commandLine);
    }

    /** Whether a real process stands behind this value. */
    public boolean isKnown() {
        return pid >= 0;
    }

    /** {@code curl (pid 4242)}, or {@code an unknown process}: for messages. */
    public String describe() {
        return isKnown() ? name + " (pid " + pid + ")" : "an unknown process";
    }

    @Override
    public String toString() {
        return describe();
    }
}
