package dev.apptap.redirector.macos.pf;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * libproc's and pf's structs against byte fixtures laid out as XNU's headers say (offsets in {@link SocketFdInfo} and
 * {@link NatLook}), written here byte by byte, little endian, as an arm64 or x86_64 Mac fills them.
 */
class StructFixturesTest {

    @Test
    void readsAnIpv4TcpSocketsAddressesAndState() throws Exception {
        byte[] fixture = new byte[792];
        putInt(fixture, 184, 2);            // soi_family = AF_INET
        putInt(fixture, 256, 2);            // soi_kind = SOCKINFO_TCP
        fixture[264] = (byte) 0x01;         // insi_fport = htons(443): bytes 01 bb
        fixture[265] = (byte) 0xBB;
        fixture[268] = (byte) 0xD4;         // insi_lport = htons(54321): bytes d4 31
        fixture[269] = (byte) 0x31;
        fixture[288] = 1;                   // insi_vflag = INI_IPV4
        putBytes(fixture, 296 + 12, 93, 184, 216, 34);   // insi_faddr, IPv4 in the last 4 of in4in6_addr
        putBytes(fixture, 312 + 12, 192, 168, 64, 2);    // insi_laddr
        putInt(fixture, 344, 4);            // tcpsi_state = TSI_S_ESTABLISHED

        SocketFdInfo info = SocketFdInfo.decode(fixture);

        assertThat(info.isTcp()).isTrue();
        assertThat(info.family()).isEqualTo(SocketFdInfo.AF_INET);
        assertThat(info.foreign()).isEqualTo(new InetSocketAddress(InetAddress.getByName("93.184.216.34"), 443));
        assertThat(info.local()).isEqualTo(new InetSocketAddress(InetAddress.getByName("192.168.64.2"), 54321));
        assertThat(info.tcpState()).isEqualTo(SocketFdInfo.TSI_S_ESTABLISHED);
    }

    @Test
    void readsAnIpv6SocketsFullAddresses() throws Exception {
        byte[] fixture = new byte[792];
        putInt(fixture, 184, 30);
        putInt(fixture, 256, 2);
        fixture[264] = 0;
        fixture[265] = 80;
        fixture[288] = 2;                   // INI_IPV6
        byte[] v6 = InetAddress.getByName("2001:db8::1").getAddress();
        System.arraycopy(v6, 0, fixture, 296, 16);

        SocketFdInfo info = SocketFdInfo.decode(fixture);

        assertThat(info.foreign()).isEqualTo(new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 80));
    }

    @Test
    void asksPfForTheStateOfTheAcceptedConnectionOutbound() throws Exception {
        byte[] request = NatLook.request(new InetSocketAddress("192.168.64.2", 54321),
                new InetSocketAddress("127.0.0.1", 18443));

        assertThat(request).hasSize(84);
        assertThat(slice(request, 0, 4)).containsExactly(192, 168, 64, 2);     // saddr
        assertThat(slice(request, 16, 4)).containsExactly(127, 0, 0, 1);      // daddr
        assertThat(slice(request, 64, 2)).containsExactly(0xD4, 0x31);         // sxport.port, network order
        assertThat(slice(request, 68, 2)).containsExactly(0x48, 0x0B);         // dxport.port = 18443
        assertThat(slice(request, 80, 4)).containsExactly(2, 6, 0, 2);         // af, proto, variant, PF_OUT
        assertThat(NatLook.DIOCNATLOOK).isEqualTo((3L << 30) | (84L << 16) | ('D' << 8) | 23);
    }

    @Test
    void readsTheOriginalDestinationPfAnswers() throws Exception {
        byte[] answer = NatLook.request(new InetSocketAddress("192.168.64.2", 54321),
                new InetSocketAddress("127.0.0.1", 18443));
        putBytes(answer, 48, 93, 184, 216, 34);   // rdaddr
        answer[76] = 0x01;                        // rdxport.port = 443
        answer[77] = (byte) 0xBB;

        assertThat(NatLook.originalDestination(answer))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("93.184.216.34"), 443));
    }

    private static void putInt(byte[] bytes, int offset, int value) {
        bytes[offset] = (byte) value;
        bytes[offset + 1] = (byte) (value >>> 8);
        bytes[offset + 2] = (byte) (value >>> 16);
        bytes[offset + 3] = (byte) (value >>> 24);
    }

    private static void putBytes(byte[] bytes, int offset, int... values) {
        for (int i = 0; i < values.length; i++) {
            bytes[offset + i] = (byte) values[i];
        }
    }

    private static int[] slice(byte[] bytes, int offset, int length) {
        int[] values = new int[length];
        for (int i = 0; i < length; i++) {
            values[i] = bytes[offset + i] & 0xFF;
        }
        return values;
    }
}
