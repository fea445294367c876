package dev.apptap.proxy.origin;

import dev.apptap.flow.ProcessInfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Finds where a transparently redirected connection was meant to go. The default reads
 * {@code getsockopt(SO_ORIGINAL_DST)} (IPv4) or {@code IP6T_SO_ORIGINAL_DST} (IPv6), which both an nft/iptables
 * redirect and apptap's eBPF redirector answer; redirectors that know better supply their own.
 *
 * @see SoOriginalDst the Linux implementation
 */
@FunctionalInterface
public interface OriginalDestinationResolver {

    /**
     * @param fd     the accepted socket's file descriptor
     * @param local  the accepted socket's local address (the listener's)
     * @param remote the accepted socket's remote address (the app's socket)
     * @return the address the app connected to before it was redirected
     * @throws IOException with a sentence naming the connection when the kernel knows no original destination
     */
    InetSocketAddress originalDestination(int fd, InetSocketAddress local, InetSocketAddress remote) throws IOException;

    /**
     * The process that connected, as the redirector recorded it at {@code connect()} time: its pid and the kernel's
     * short name ({@code comm}), with no executable or command line. It names a process that exited before its
     * socket's owner could be looked up; the engine prefers {@code /proc/<pid>} while the process lives.
     *
     * @param fd the accepted socket's file descriptor
     * @return the connecting process, or empty when the redirector does not record it (nft redirect, the default)
     */
    default Optional<ProcessInfo> connectingProcess(int fd) {
        return Optional.empty();
    }
}
