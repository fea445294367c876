package dev.apptap.proxy.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apptap.flow.ProcessInfo;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SoOriginalDstTest {

    @Test
    void decodesAnIpv4SocketAddressWithItsPortInNetworkOrder() throws IOException {
        byte[] sockaddr = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder())
                .putShort((short) SoOriginalDst.AF_INET)
                .order(ByteOrder.BIG_ENDIAN).putShort((short) 8443)
                .put(new byte[] {(byte) 198, 51, 100, 7})
                .array();

        assertThat(SoOriginalDst.decode(sockaddr, 16)).isEqualTo(new InetSocketAddress("198.51.100.7", 8443));
    }

    @Test
    void decodesAnIpv6SocketAddressAndFoldsV4MappedAddressesIntoIpv4() throws IOException {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 2};
        byte[] sockaddr = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder())
                .putShort((short) SoOriginalDst.AF_INET6)
                .order(ByteOrder.BIG_ENDIAN).putShort((short) 80)
                .putInt(0)
                .put(mapped)
                .array();

        assertThat(SoOriginalDst.decode(sockaddr, 28)).isEqualTo(new InetSocketAddress("127.0.0.2", 80));
    }

    @Test
    void decodesAPlainIpv6SocketAddress() throws IOException {
        byte[] loopback = new byte[16];
        loopback[15] = 1;
        byte[] sockaddr = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder())
                .putShort((short) SoOriginalDst.AF_INET6)
                .order(ByteOrder.BIG_ENDIAN).putShort((short) 65535)
                .putInt(0)
                .put(loopback)
                .array();

        assertThat(SoOriginalDst.decode(sockaddr, 28)).isEqualTo(new InetSocketAddress("::1", 65535));
    }

    @Test
    void rejectsAnUnknownAddressFamilyWithASentence() {
        byte[] sockaddr = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putShort((short) 1).array();

        assertThatThrownBy(() -> SoOriginalDst.decode(sockaddr, 16))
                .isInstanceOf(IOException.class)
                .hasMessage("The kernel returned an original destination of address family 1 in 16 bytes, which is "
                        + "neither AF_INET nor AF_INET6.");
    }

    @Test
    void namesTheConnectionAndTheErrnoWhenNothingWasRedirected() {
        IOException e = SoOriginalDst.notRedirected(new InetSocketAddress("127.0.0.1", 8443),
                new InetSocketAddress("127.0.0.1", 51234), SoOriginalDst.errnoText(2), null);

        assertThat(e).hasMessage("The kernel knows no original destination for the connection from 127.0.0.1:51234 "
                + "to 127.0.0.1:8443 (errno 2, ENOENT); was it redirected to apptap's transparent listener by nft, "
                + "iptables or apptap's redirector?");
    }

    @Test
    void bracketsIpv6AddressesInMessages() {
        assertThat(SoOriginalDst.authority(new InetSocketAddress("::1", 443))).isEqualTo("[0:0:0:0:0:0:0:1]:443");
        assertThat(SoOriginalDst.errnoText(4242)).isEqualTo("errno 4242");
    }

    @Test
    void refusesAConnectionThatCameStraightToTheListener() throws Exception {
        assumeTrue(Epoll.isAvailable(), "Netty's epoll transport is unavailable here, so no test socket has an fd.");
        try (LoopbackListener listener = new LoopbackListener();
                Socket client = new Socket("127.0.0.1", listener.port())) {
            EpollSocketChannel accepted = listener.take();
            InetSocketAddress local = accepted.localAddress();
            InetSocketAddress remote = accepted.remoteAddress();

            // Without conntrack the kernel says ENOENT; with it (any nat table loaded) it names the listener.
            assertThatThrownBy(() -> new SoOriginalDst()
                    .originalDestination(LoopbackListener.fd(accepted), local, remote))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("The kernel knows no original destination for the connection from "
                            + "127.0.0.1:" + client.getLocalPort() + " to 127.0.0.1:" + listener.port() + " (")
                    .hasMessageEndingWith("); was it redirected to apptap's transparent listener by nft, iptables "
                            + "or apptap's redirector?");
        }
    }

    @Test
    void decodesTheConnectingProcessTheRedirectorRecorded() {
        byte[] connector = ByteBuffer.allocate(SoOriginalDst.CONNECTOR_SIZE).order(ByteOrder.nativeOrder())
                .putInt(4242)
                .put("python3".getBytes(StandardCharsets.US_ASCII))
                .array();

        assertThat(SoOriginalDst.decodeConnector(connector, SoOriginalDst.CONNECTOR_SIZE))
                .contains(new ProcessInfo(4242, "python3", "", List.of()));
    }

    @Test
    void aFullLengthCommHasNoTerminatorAndAnAnswerOfTheWrongSizeIsNoAnswer() {
        byte[] connector = ByteBuffer.allocate(SoOriginalDst.CONNECTOR_SIZE).order(ByteOrder.nativeOrder())
                .putInt(7)
                .put("0123456789abcdef".getBytes(StandardCharsets.US_ASCII))
                .array();

        assertThat(SoOriginalDst.decodeConnector(connector, SoOriginalDst.CONNECTOR_SIZE).orElseThrow().name())
                .isEqualTo("0123456789abcdef");
        assertThat(SoOriginalDst.decodeConnector(connector, 16)).isEmpty();
        assertThat(SoOriginalDst.decodeConnector(new byte[SoOriginalDst.CONNECTOR_SIZE], SoOriginalDst.CONNECTOR_SIZE))
                .as("pid 0").isEmpty();
    }

    @Test
    void aSocketNoRedirectorRecordedHasNoConnectingProcess() throws Exception {
        assumeTrue(Epoll.isAvailable(), "Netty's epoll transport is unavailable here, so no test socket has an fd.");
        try (LoopbackListener listener = new LoopbackListener();
                Socket client = new Socket("127.0.0.1", listener.port())) {
            EpollSocketChannel accepted = listener.take();

            // The kernel answers apptap's private option with ENOPROTOOPT: the engine falls back to a socket lookup.
            assertThat(new SoOriginalDst().connectingProcess(LoopbackListener.fd(accepted))).isEqualTo(Optional.empty());
        }
    }
}
