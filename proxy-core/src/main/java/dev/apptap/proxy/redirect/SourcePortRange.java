package dev.apptap.proxy.redirect;

import java.io.IOException;
import java.net.BindException;

/**
 * Local ports the engine's upstream connections leave from, for a redirector that can tell the engine's own
 * connections from apps' only by their source port (pf on macOS cannot match a process, so its rules let this range
 * out before they redirect the user's connections).
 *
 * <pre>{@code
 * new SourcePortRange(40000, 40999)   // below macOS's ephemeral ports (49152-65535), so no other socket takes them
 * }</pre>
 */
public record SourcePortRange(int first, int last) {

    public SourcePortRange {
        if (first < 1 || last > 65535 || first > last) {
            throw new IllegalArgumentException("A source port range runs from 1 to 65535 with its first port not after"
                    + " its last, not " + first + "-" + last + ".");
        }
    }

    public int size() {
        return last - first + 1;
    }

    /**
     * Whether binding or connecting from a port of a range failed because the port was taken: {@code EADDRINUSE}, or
     * {@code EADDRNOTAVAIL} when the same four-tuple is still in TIME_WAIT. NIO throws {@link BindException}; Netty's
     * native transports an {@link IOException} with the system's message. The caller tries the next port.
     */
    public static boolean portTaken(Throwable failure) {
        if (failure instanceof BindException) {
            return true;
        }
        String message = failure == null ? null : failure.getMessage();
        return failure instanceof IOException && message != null
                && (message.contains("Address already in use") || message.contains("Cannot assign requested address"));
    }
}
