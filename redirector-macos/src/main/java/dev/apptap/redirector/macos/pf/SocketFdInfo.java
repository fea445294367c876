package dev.apptap.redirector.macos.pf;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * One socket of a process as {@code proc_pidfdinfo(pid, fd, PROC_PIDFDSOCKETINFO, …)} fills it: XNU's
 * {@code struct socket_fdinfo} from {@code bsd/sys/proc_info.h}, laid out the same on arm64 and x86_64 (LP64, little
 * endian). Offsets, from the start of the 792-byte struct:
 * <pre>
 *   0  struct proc_fileinfo pfi             (24 bytes)
 *  24  struct socket_info psi:
 *      24   struct vinfo_stat soi_stat      (136 bytes)
 *     160   uint64 soi_so, 168 uint64 soi_pcb
 *     176   int soi_type, 180 int soi_protocol, 184 int soi_family (AF_INET 2, AF_INET6 30)
 *     188.. options, linger, state, queue lengths, timeout, error, oobmark; 208 soi_rcv, 232 soi_snd (sockbuf_info)
 *     256   int soi_kind                    (SOCKINFO_IN 1, SOCKINFO_TCP 2)
 *     264   union soi_proto: struct tcp_sockinfo { struct in_sockinfo tcpsi_ini; int tcpsi_state; … }
 *           in_sockinfo: 264 int insi_fport, 268 int insi_lport (network-order u_short in an int),
 *                        272 uint64 insi_gencnt, 280 insi_flags, 284 insi_flow, 288 uint8 insi_vflag
 *                        (INI_IPV4 1, INI_IPV6 2), 296 insi_faddr, 312 insi_laddr (16 bytes each; an IPv4
 *                        address is the last 4, struct in4in6_addr)
 *     344   int tcpsi_state                 (TSI_S_ESTABLISHED 4)
 * </pre>
 * The ports are the kernel's {@code inp_fport}/{@code inp_lport} copied as they are ({@code bsd/kern/socket_info.c}),
 * so their two low bytes hold the port in network order, whatever the host's byte order.
 *
 * @param family   {@code AF_INET} (2) or {@code AF_INET6} (30)
 * @param kind     {@code SOCKINFO_TCP} (2) for TCP sockets
 * @param local    the socket's own address: for an app's socket, the peer apptap sees on accept
 * @param foreign  where the socket is connected: for an app's redirected socket, the original destination
 * @param tcpState {@code tcpsi_state}, meaningful for TCP sockets
 */
record SocketFdInfo(int family, int kind, InetSocketAddress local, InetSocketAddress foreign, int tcpState) {

    static final int SIZE = 792;
    static final int SOCKINFO_TCP = 2;
    static final int AF_INET = 2;
    static final int AF_INET6 = 30;
    static final int TSI_S_ESTABLISHED = 4;

    private static final int SOI_FAMILY = 184;
    private static final int SOI_KIND = 256;
    private static final int INSI_FPORT = 264;
    private static final int INSI_LPORT = 268;
    private static final int INSI_VFLAG = 288;
    private static final int INSI_FADDR = 296;
    private static final int INSI_LADDR = 312;
    private static final int TCPSI_STATE = 344;
    private static final int INI_IPV4 = 1;

    /** Decodes the struct; {@code bytes} must be what the call filled (it returns {@value #SIZE} on success). */
    static SocketFdInfo decode(byte[] bytes) {
        if (bytes.length < SIZE) {
            throw new IllegalArgumentException("A socket_fdinfo is " + SIZE + " bytes, but " + bytes.length
                    + " were given.");
        }
        boolean ipv4 = (bytes[INSI_VFLAG] & INI_IPV4) != 0;
        return new SocketFdInfo(intAt(bytes, SOI_FAMILY), intAt(bytes, SOI_KIND),
                new InetSocketAddress(address(bytes, INSI_LADDR, ipv4), port(bytes, INSI_LPORT)),
                new InetSocketAddress(address(bytes, INSI_FADDR, ipv4), port(bytes, INSI_FPORT)),
                intAt(bytes, TCPSI_STATE));
    }

    boolean isTcp() {
        return kind == SOCKINFO_TCP;
    }

    static int intAt(byte[] bytes, int offset) {
        return (bytes[offset] & 0xFF) | (bytes[offset + 1] & 0xFF) << 8 | (bytes[offset + 2] & 0xFF) << 16
                | (bytes[offset + 3] & 0xFF) << 24;
    }

    /** A network-order port: its two bytes, most significant first, where the kernel stored them. */
    static int port(byte[] bytes, int offset) {
        return (bytes[offset] & 0xFF) << 8 | (bytes[offset + 1] & 0xFF);
    }

    private static InetAddress address(byte[] bytes, int offset, boolean ipv4) {
        byte[] raw = ipv4 ? Arrays.copyOfRange(bytes, offset + 12, offset + 16) : Arrays.copyOfRange(bytes, offset, offset + 16);
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("A raw address of " + raw.length + " bytes is always valid.", e);
        }
    }
}
