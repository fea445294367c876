package dev.apptap.proxy.origin;

import java.io.IOException;
import java.net.InetSocketAddress;

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
}
