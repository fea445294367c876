package dev.apptap.proxy.origin;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import dev.apptap.flow.ProcessInfo;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the destination a transparently redirected connection was meant for, with one Linux
 * {@code getsockopt}: {@code SO_ORIGINAL_DST} at {@code SOL_IP} for IPv4 apps and
 * {@code IP6T_SO_ORIGINAL_DST} at {@code SOL_IPV6} for IPv6 apps. An nft or iptables {@code redirect}
 * answers it from conntrack; apptap's eBPF redirector answers the same call from a
 * {@code cgroup/getsockopt} program, so the engine never needs to know which redirector is active.
 *
 * <pre>{@code
 * OriginalDestinationResolver origin = new SoOriginalDst();
 * InetSocketAddress target = origin.originalDestination(
 *         ((EpollSocketChannel) ch).fd().intValue(), ch.localAddress(), ch.remoteAddress());
 * }</pre>
 *
 * The eBPF redirector also answers {@link #connectingProcess} (apptap's private option), recorded when the app
 * connected. Thread-safe and stateless; each call is one or two system calls.
 */
public final class SoOriginalDst implements OriginalDestinationResolver {

    static final int SOL_IP = 0;
    static final int SOL_IPV6 = 41;
    /** {@code SO_ORIGINAL_DST} and {@code IP6T_SO_ORIGINAL_DST} share the number. */
    static final int SO_ORIGINAL_DST = 80;
    /**
     * apptap's private option at {@code SOL_IP} ("aptc"), a number no kernel option uses, so the kernel itself
     * answers {@code ENOPROTOOPT}; apptap's eBPF redirector answers it on the engine's accepted sockets with the
     * process that connected: {@code struct connector { u32 tgid; char comm[16]; }} (see redirect.bpf.c).
     */
    static final int APPTAP_SO_CONNECTOR = 0x61707463;
    static final int CONNECTOR_SIZE = 20;
    private static final int COMM_LEN = 16;

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCKADDR_IN_SIZE = 16;
    static final int SOCKADDR_IN6_SIZE = 28;

    /** The errno values a failed lookup realistically produces; anything else is printed by number only. */
    private static final Map<Integer, String> ERRNO_NAMES = Map.of(
            1, "EPERM",
            2, "ENOENT",
            9, "EBADF",
            14, "EFAULT",
            22, "EINVAL",
            88, "ENOTSOCK",
            92, "ENOPROTOOPT",
            95, "EOPNOTSUPP",
            107, "ENOTCONN");

    @Override
    public InetSocketAddress originalDestination(int fd, InetSocketAddress local, InetSocketAddress remote)
            throws IOException {
        // Java turns v4-mapped IPv6 addresses into Inet4Address, so "IPv4 peer" also covers an app whose
        // connection reached a dual-stack (AF_INET6) listener; the kernel answers SOL_IP on such sockets.
        boolean ipv4 = remote.getAddress() instanceof Inet4Address;
        InetSocketAddress found;
        try {
            found = ipv4 ? query(fd, SOL_IP, SOCKADDR_IN_SIZE) : query(fd, SOL_IPV6, SOCKADDR_IN6_SIZE);
        } catch (LastErrorException first) {
            if (!ipv4) {
                throw notRedirected(local, remote, errnoText(first.getErrorCode()), first);
            }
            // A redirector that keeps IPv6 state for v4-mapped sockets (the eBPF getsockopt hook on a
            // dual-stack Java client) may only answer at SOL_IPV6; the SOL_IP errno explains a miss best.
            try {
                found = query(fd, SOL_IPV6, SOCKADDR_IN6_SIZE);
            } catch (LastErrorException second) {
                throw notRedirected(local, remote, errnoText(first.getErrorCode()), first);
            }
        }
        // Conntrack tracks unredirected connections too; their "original" destination is the listener.
        if (sameEndpoint(found, local)) {
            throw notRedirected(local, remote,
                    "the kernel names the listener itself, so the app connected to it directly", null);
        }
        return found;
    }

    /**
     * One more {@code getsockopt}, {@link #APPTAP_SO_CONNECTOR}: only apptap's eBPF redirector answers it, so any
     * error (an nft redirect, an older redirector) means "not recorded" and the engine looks the socket's owner up.
     */
    @Override
    public Optional<ProcessInfo> connectingProcess(int fd) {
        byte[] buffer = new byte[CONNECTOR_SIZE];
        int[] length = {CONNECTOR_SIZE};
        try {
            LibC.getsockopt(fd, SOL_IP, APPTAP_SO_CONNECTOR, buffer, length);
        } catch (LastErrorException | UnsatisfiedLinkError | NoClassDefFoundError notRecorded) {
            return Optional.empty();
        }
        return decodeConnector(buffer, length[0]);
    }

    /** Decodes a {@code struct connector}: the tgid in host order, then the NUL-padded {@code comm}. */
    static Optional<ProcessInfo> decodeConnector(byte[] connector, int length) {
        if (length != CONNECTOR_SIZE) {
            return Optional.empty();
        }
        long tgid = ByteBuffer.wrap(connector).order(ByteOrder.nativeOrder()).getInt(0) & 0xffffffffL;
        if (tgid == 0) {
            return Optional.empty();
        }
        int end = 4;
        while (end < 4 + COMM_LEN && connector[end] != 0) {
            end++;
        }
        String comm = new String(connector, 4, end - 4, StandardCharsets.UTF_8);
        return Optional.of(new ProcessInfo(tgid, comm.isEmpty() ? "unknown" : comm, "", List.of()));
    }

    private static InetSocketAddress query(int fd, int level, int size) throws IOException {
        byte[] buffer = new byte[size];
        int[] length = {size};
        try {
            LibC.getsockopt(fd, level, SO_ORIGINAL_DST, buffer, length);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new IOException("apptap could not call getsockopt through JNA, so it cannot read original "
                    + "destinations; SO_ORIGINAL_DST exists only on Linux with glibc or musl.", e);
        }
        return decode(buffer, length[0]);
    }

    /** Decodes a {@code sockaddr_in} or {@code sockaddr_in6} as the kernel fills it (family in host order). */
    static InetSocketAddress decode(byte[] sockaddr, int length) throws IOException {
        if (length < 4) {
            throw new IOException("The kernel returned a " + length + "-byte original destination, too short for "
                    + "any socket address.");
        }
        ByteBuffer buffer = ByteBuffer.wrap(sockaddr, 0, length).order(ByteOrder.nativeOrder());
        int family = buffer.getShort(0) & 0xffff; // sa_family_t is in host order, sin_port in network order
        int port = buffer.order(ByteOrder.BIG_ENDIAN).getShort(2) & 0xffff;
        try {
            if (family == AF_INET && length >= 8) {
                return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(sockaddr, 4, 8)), port);
            }
            if (family == AF_INET6 && length >= 24) {
                byte[] address = Arrays.copyOfRange(sockaddr, 8, 24);
                int scope = length >= 28 ? buffer.order(ByteOrder.nativeOrder()).getInt(24) : 0;
                // getByAddress folds v4-mapped addresses into Inet4Address, matching what Netty reports.
                InetAddress inet = InetAddress.getByAddress(address);
                if (scope != 0 && inet instanceof Inet6Address) {
                    inet = Inet6Address.getByAddress(null, address, scope);
                }
                return new InetSocketAddress(inet, port);
            }
        } catch (UnknownHostException impossible) {
            throw new IOException("The kernel returned an original destination with a malformed address.", impossible);
        }
        throw new IOException("The kernel returned an original destination of address family " + family
                + " in " + length + " bytes, which is neither AF_INET nor AF_INET6.");
    }

    static String errnoText(int errno) {
        String name = ERRNO_NAMES.get(errno);
        return "errno " + errno + (name == null ? "" : ", " + name);
    }

    static IOException notRedirected(InetSocketAddress local, InetSocketAddress remote, String why, Throwable cause) {
        return new IOException("The kernel knows no original destination for the connection from "
                + authority(remote) + " to " + authority(local) + " (" + why + "); was it redirected to apptap's "
                + "transparent listener by nft, iptables or apptap's redirector?", cause);
    }

    static String authority(InetSocketAddress address) {
        String host = address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
        int zone = host.indexOf('%');
        if (zone >= 0) {
            host = host.substring(0, zone);
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static boolean sameEndpoint(InetSocketAddress a, InetSocketAddress b) {
        return a.getPort() == b.getPort() && a.getAddress() != null && a.getAddress().equals(b.getAddress());
    }

    /** Direct mapping: one JNI hop per call, no proxy objects, and errno captured by JNA. */
    private static final class LibC {
        static {
            Native.register("c");
        }

        static native int getsockopt(int fd, int level, int option, byte[] value, int[] length)
                throws LastErrorException;
    }
}
