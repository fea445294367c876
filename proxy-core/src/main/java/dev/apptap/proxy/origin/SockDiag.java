package dev.apptap.proxy.origin;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Asks the kernel for one TCP socket by its exact addresses over netlink ({@code NETLINK_SOCK_DIAG}), returning
 * its inode. Reading {@code /proc/net/tcp} walks the kernel's whole connection table (milliseconds on a busy
 * host, for every connection); this is one hash lookup. JNA has no netlink binding, and no maintained Java
 * library offers sock_diag, so the request is built here from the kernel's documented structs.
 */
final class SockDiag {

    private static final int AF_NETLINK = 16;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_SOCK_DIAG = 4;
    private static final int SOCK_DIAG_BY_FAMILY = 20;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLMSG_ERROR = 2;
    private static final int IPPROTO_TCP = 6;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int REQUEST_SIZE = 16 + 56;
    /** nlmsghdr (16) + family/state/timer/retrans (4) + sockid (48) + expires/rqueue/wqueue/uid (16). */
    private static final int INODE_OFFSET = 84;

    private static final boolean AVAILABLE = load();

    private SockDiag() {
    }

    private static boolean load() {
        try {
            Native.register(SockDiag.class, "c");
            return true;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError notLinux) {
            return false;
        }
    }

    private static native int socket(int domain, int type, int protocol) throws LastErrorException;

    private static native int send(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

    private static native int recv(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

    private static native int close(int fd);

    /**
     * The inode of the TCP socket whose local end is {@code local} and remote end {@code remote}, or -1 when the
     * kernel has no such socket (it closed, or it lives in another network namespace) or netlink is unavailable.
     */
    static long inode(InetSocketAddress local, InetSocketAddress remote) {
        if (!AVAILABLE || local.getAddress() == null || remote.getAddress() == null) {
            return -1;
        }
        int fd;
        try {
            fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        } catch (LastErrorException e) {
            return -1;
        }
        try {
            byte[] request = request(local, remote);
            send(fd, request, request.length, 0);
            byte[] answer = new byte[8192];
            int length = recv(fd, answer, answer.length, 0);
            ByteBuffer reply = ByteBuffer.wrap(answer, 0, length).order(ByteOrder.nativeOrder());
            if (length < INODE_OFFSET + 4 || reply.getShort(4) == NLMSG_ERROR) {
                return -1;
            }
            return reply.getInt(INODE_OFFSET) & 0xffffffffL;
        } catch (LastErrorException e) {
            return -1;
        } finally {
            close(fd);
        }
    }

    private static byte[] request(InetSocketAddress local, InetSocketAddress remote) {
        InetAddress localIp = local.getAddress();
        InetAddress remoteIp = remote.getAddress();
        boolean v4 = localIp instanceof Inet4Address && remoteIp instanceof Inet4Address;
        ByteBuffer buffer = ByteBuffer.allocate(REQUEST_SIZE).order(ByteOrder.nativeOrder());
        buffer.putInt(REQUEST_SIZE).putShort((short) SOCK_DIAG_BY_FAMILY).putShort((short) NLM_F_REQUEST)
                .putInt(1).putInt(0);
        buffer.put((byte) (v4 ? AF_INET : AF_INET6)).put((byte) IPPROTO_TCP).put((byte) 0).put((byte) 0);
        buffer.putInt(0xffffffff); // every TCP state
        buffer.order(ByteOrder.BIG_ENDIAN).putShort((short) local.getPort()).putShort((short) remote.getPort());
        buffer.put(address16(localIp, v4)).put(address16(remoteIp, v4));
        buffer.order(ByteOrder.nativeOrder()).putInt(0); // any interface
        buffer.putInt(0xffffffff).putInt(0xffffffff); // INET_DIAG_NOCOOKIE: match by addresses, not cookie
        return buffer.array();
    }

    /** The 16-byte address field: an IPv4 address in its first 4 bytes, an IPv6 one (v4-mapped for v4 peers) whole. */
    private static byte[] address16(InetAddress address, boolean v4) {
        byte[] field = new byte[16];
        byte[] raw = address.getAddress();
        if (v4) {
            System.arraycopy(raw, 0, field, 0, 4);
        } else if (raw.length == 4) {
            field[10] = (byte) 0xff;
            field[11] = (byte) 0xff;
            System.arraycopy(raw, 0, field, 12, 4);
        } else {
            System.arraycopy(raw, 0, field, 0, 16);
        }
        return field;
    }
}
