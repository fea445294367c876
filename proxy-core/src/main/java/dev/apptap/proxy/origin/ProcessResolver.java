package dev.apptap.proxy.origin;

import dev.apptap.flow.ProcessInfo;
import java.net.InetSocketAddress;

/**
 * Finds the local process that owns the app's end of a connection.
 *
 * @see ProcfsProcessResolver the Linux implementation
 */
@FunctionalInterface
public interface ProcessResolver {

    /**
     * Looks nothing up: a connection's process is {@link ProcessInfo#UNKNOWN}, unless the redirector recorded it
     * (then the engine keeps the redirector's pid and short name).
     */
    ProcessResolver NONE = (app, peer) -> ProcessInfo.UNKNOWN;

    /**
     * May block (it reads the file system); engines call it off their event loops.
     *
     * @param app  the app's socket address (the accepted connection's remote address)
     * @param peer the address the app's socket is connected to (apptap's listener)
     * @return the process, or {@link ProcessInfo#UNKNOWN} when it cannot be found (it exited, or is remote)
     */
    ProcessInfo resolve(InetSocketAddress app, InetSocketAddress peer);

    /**
     * Describes a process a redirector named by pid ({@link OriginalDestinationResolver#connectingProcess}), with
     * no socket lookup. May block, like {@link #resolve}.
     *
     * @return the process, or {@link ProcessInfo#UNKNOWN} when it is gone or this resolver cannot describe one
     */
    default ProcessInfo describe(long pid) {
        return ProcessInfo.UNKNOWN;
    }
}
