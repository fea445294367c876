package dev.apptap.redirector.macos.ne;

import static dev.apptap.redirector.macos.ne.ExtensionBytes.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class NeWireTest {

    // The byte examples from research/macos_redirector.md §1.3, hand-encoded from the proto.
    private static final byte[] CONF_CURL = hex("00 00 00 0d 0a 04 63 75 72 6c 0a 05 21 34 32 34 32");
    private static final byte[] TCP_FLOW = hex("00 00 00 2a 0a 28 0a 12 0a 0d 39 33 2e 31 38 34 2e 32 31 36 2e 33 34 10"
            + " bb 03 12 12 08 d2 09 12 0d 2f 75 73 72 2f 62 69 6e 2f 63 75 72 6c");
    private static final byte[] UDP_PACKET = hex("00 00 00 11 0a 02 12 34 12 0b 0a 07 38 2e 38 2e 38 2e 38 10 35");

    @Test
    void writesTheInterceptConfTheExtensionExpects() {
        assertThat(NeWire.interceptConf(List.of("curl", "!4242"))).isEqualTo(CONF_CURL);
    }

    @Test
    void testEncoderReproducesTheDocumentedBytes() {
        assertThat(ExtensionBytes.tcpFlow("93.184.216.34", 443, 1234, "/usr/bin/curl")).isEqualTo(TCP_FLOW);
        assertThat(ExtensionBytes.udpPacket(new byte[] {0x12, 0x34}, "8.8.8.8", 53)).isEqualTo(UDP_PACKET);
        assertThat(Arrays.copyOf(ExtensionBytes.udpFlow("0.0.0.0", 53000, 1234, "/usr/bin/curl"), 8))
                .isEqualTo(hex("00 00 00 25 12 23 0a 0d"));
    }

    @Test
    void readsATcpFlowWithItsDestinationAndProcess() throws Exception {
        NeWire.NewFlow flow = NeWire.newFlow(Arrays.copyOfRange(TCP_FLOW, 4, TCP_FLOW.length));
        assertThat(flow).isEqualTo(new NeWire.NewFlow(false, Optional.of(new NeWire.Address("93.184.216.34", 443)),
                OptionalLong.of(1234), Optional.of("/usr/bin/curl")));
    }

    @Test
    void readsAUdpFlowWhoseTunnelInfoIsFieldThree() throws Exception {
        byte[] framed = ExtensionBytes.udpFlow("0.0.0.0", 53000, 77, "/usr/bin/dig");
        NeWire.NewFlow flow = NeWire.newFlow(Arrays.copyOfRange(framed, 4, framed.length));
        assertThat(flow.udp()).isTrue();
        assertThat(flow.pid()).hasValue(77);
        assertThat(flow.executable()).hasValue("/usr/bin/dig");
    }

    @Test
    void roundTripsAUdpPacket() throws Exception {
        NeWire.UdpPacket packet = NeWire.udpPacket(Arrays.copyOfRange(UDP_PACKET, 4, UDP_PACKET.length));
        assertThat(packet.data()).containsExactly(0x12, 0x34);
        assertThat(packet.remote()).isEqualTo(new NeWire.Address("8.8.8.8", 53));
        assertThat(NeWire.udpPacket(packet)).isEqualTo(UDP_PACKET);
    }

    @Test
    void skipsFieldsANewerExtensionAdds() throws Exception {
        // TcpFlow with an unknown varint field 9, fixed32 field 10, fixed64 field 11 and string field 12 around the known ones.
        byte[] address = ExtensionBytes.address("10.0.0.1", 80);
        byte[] tcp = ExtensionBytes.concat(ExtensionBytes.concat(hex("48 96 01 55 01 02 03 04"),
                        ExtensionBytes.field(0x0A, address)),
                ExtensionBytes.concat(hex("59 01 02 03 04 05 06 07 08"), ExtensionBytes.field(0x62, new byte[] {1, 2})));
        NeWire.NewFlow flow = NeWire.newFlow(ExtensionBytes.field(0x0A, tcp));
        assertThat(flow.address()).hasValue(new NeWire.Address("10.0.0.1", 80));
        assertThat(flow.pid()).isEmpty();
    }

    @Test
    void refusesAFieldLongerThanItsMessage() {
        byte[] cut = Arrays.copyOfRange(TCP_FLOW, 4, TCP_FLOW.length - 3);
        assertThatThrownBy(() -> NeWire.newFlow(cut)).isInstanceOf(NeProtocolException.class)
                .hasMessageContaining("malformed flow handshake").hasMessageContaining("remain")
                .hasMessageContaining("keeps serving the others");
    }

    @Test
    void refusesAHandshakeThatIsNeitherTcpNorUdp() {
        assertThatThrownBy(() -> NeWire.newFlow(hex("08 01")))
                .hasMessageContaining("names neither a TCP nor a UDP flow");
    }

    @Test
    void refusesATcpFlowWithoutDestination() {
        byte[] tcp = ExtensionBytes.field(0x12, ExtensionBytes.tunnelInfo(5, "/bin/x"));
        assertThatThrownBy(() -> NeWire.newFlow(ExtensionBytes.field(0x0A, tcp)))
                .hasMessageContaining("TCP flow from pid 5 without its destination");
    }

    @Test
    void refusesGroupsAndPortsOutOfRange() {
        assertThatThrownBy(() -> NeWire.newFlow(hex("0b"))).hasMessageContaining("wire type 3");
        byte[] address = ExtensionBytes.concat(ExtensionBytes.field(0x0A, "h".getBytes()), hex("10 80 80 04"));
        byte[] tcp = ExtensionBytes.field(0x0A, address);
        assertThatThrownBy(() -> NeWire.newFlow(ExtensionBytes.field(0x0A, tcp))).hasMessageContaining("port 65536");
    }

    @Test
    void refusesFramesLargerThanAnyExtensionSends() {
        assertThatThrownBy(() -> NeWire.frameLength(0x7fff_ffff, "flow handshake"))
                .hasMessageContaining("2147483647 bytes").hasMessageContaining("Mitmproxy Redirector 2.x");
        assertThatThrownBy(() -> NeWire.frameLength(-1, "UDP packet")).hasMessageContaining("4294967295 bytes");
    }
}
