package dev.apptap.redirector.macos.pf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * {@code struct pfioc_natlook} for {@code ioctl(/dev/pf, DIOCNATLOOK, …)}, from XNU's {@code bsd/net/pfvar.h}: asks
 * pf's state table where a redirected connection was going. Root only ({@code pfioctl} checks the effective uid), so
 * apptap uses it only as the fallback to libproc, from a root JVM. Layout (84 bytes):
 * <pre>
 *  0 struct pf_addr saddr, 16 daddr, 32 rsaddr, 48 rdaddr   (16 bytes each; IPv4 in the first 4)
 * 64 union pf_state_xport sxport, 68 dxport, 72 rsxport, 76 rdxport   (4 bytes each; the port is the first
 *    u_int16_t, in network order)
 * 80 sa_family_t af, 81 u_int8_t proto, 82 proto_variant, 83 direction   (PF_OUT = 2)
 * </pre>
 * {@code DIOCNATLOOK} is {@code _IOWR('D', 23, struct pfioc_natlook)} = {@value #DIOCNATLOOK_HEX}; with
 * {@code direction = PF_OUT}, pf looks up {@code lan = daddr, ext = saddr} and answers in {@code rdaddr:rdxport}
 * ({@code pfioctl_ioc_natlook} in {@code bsd/net/pf_ioctl.c}).
 */
final class NatLook {

    static final int SIZE = 84;
    static final long DIOCNATLOOK = 0xC0544417L;
    static final String DIOCNATLOOK_HEX = "0xC0544417";
    static final int IPPROTO_TCP = 6;
    static final int PF_OUT = 2;

    private NatLook() {
    }

    /**
     * The request for the connection apptap accepted from {@code app} on {@code listener}: the source is the app's
     * socket, the destination apptap's listener (where pf's {@code rdr} sent it).
     */
    static byte[] request(InetSocketAddress app, InetSocketAddress listener) {
        byte[] bytes = new byte[SIZE];
        boolean ipv4 = app.getAddress() instanceof Inet4Address;
        put(bytes, 0, app.getAddress());
        put(bytes, 16, listener.getAddress());
        bytes[64] = (byte) (app.getPort() >>> 8);
        bytes[65] = (byte) app.getPort();
        bytes[68] = (byte) (listener.getPort() >>> 8);
        bytes[69] = (byte) listener.getPort();
        bytes[80] = (byte) (ipv4 ? SocketFdInfo.AF_INET : SocketFdInfo.AF_INET6);
        bytes[81] = IPPROTO_TCP;
        bytes[83] = PF_OUT;
        return bytes;
    }

    /** The original destination pf filled in ({@code rdaddr:rdxport}). */
    static InetSocketAddress originalDestination(byte[] bytes) {
        boolean ipv4 = bytes[80] == SocketFdInfo.AF_INET;
        byte[] raw = Arrays.copyOfRange(bytes, 48, ipv4 ? 52 : 64);
        try {
            return new InetSocketAddress(InetAddress.getByAddress(raw), SocketFdInfo.port(bytes, 76));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("A raw address of " + raw.length + " bytes is always valid.", e);
        }
    }

    private static void put(byte[] bytes, int offset, InetAddress address) {
        byte[] raw = address.getAddress();
        System.arraycopy(raw, 0, bytes, offset, raw.length);
    }
}
