package dev.apptap.proxy.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcNetTcpTest {

    private static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
            + "   uid  timeout inode\n";

    @TempDir
    Path proc;

    @Test
    void formatsIpv4AsTheKernelPrintsItOnLittleEndianMachines() {
        assertThat(ProcNetTcp.endpoint(new InetSocketAddress("127.0.0.1", 8080), false, ByteOrder.LITTLE_ENDIAN))
                .isEqualTo("0100007F:1F90");
        assertThat(ProcNetTcp.endpoint(new InetSocketAddress("127.0.0.1", 8080), false, ByteOrder.BIG_ENDIAN))
                .isEqualTo("7F000001:1F90");
    }

    @Test
    void formatsIpv4AsV4MappedInTheIpv6Table() {
        assertThat(ProcNetTcp.endpoint(new InetSocketAddress("127.0.0.1", 443), true, ByteOrder.LITTLE_ENDIAN))
                .isEqualTo("0000000000000000FFFF00000100007F:01BB");
    }

    @Test
    void formatsIpv6WordByWord() {
        assertThat(ProcNetTcp.endpoint(new InetSocketAddress("::1", 443), true, ByteOrder.LITTLE_ENDIAN))
                .isEqualTo("00000000000000000000000001000000:01BB");
        assertThat(ProcNetTcp.endpoint(new InetSocketAddress("::1", 443), false, ByteOrder.LITTLE_ENDIAN)).isNull();
    }

    @Test
    void prefersTheSocketConnectedToThePeer() throws IOException {
        assumeLittleEndian();
        writeTcp(line(0, "0100007F:C350", "0200007F:0009", "01", 111)
                + line(1, "0100007F:C350", "0100007F:1F90", "01", 222));

        assertThat(find("127.0.0.1", 50000, "127.0.0.1", 8080)).isEqualTo(222);
    }

    @Test
    void acceptsTheOnlySocketOnTheAppsAddressBecauseRedirectedSocketsStillNameTheirOriginalPeer() throws IOException {
        assumeLittleEndian();
        writeTcp(line(0, "0100007F:1F90", "00000000:0000", "0A", 100)
                + line(1, "0100007F:C350", "0200007F:0009", "01", 111));

        assertThat(find("127.0.0.1", 50000, "127.0.0.1", 8080)).isEqualTo(111);
    }

    @Test
    void givesUpWhenSeveralSocketsShareTheAppsAddressAndNoneNamesThePeer() throws IOException {
        assumeLittleEndian();
        writeTcp(line(0, "0100007F:C350", "0200007F:0009", "01", 111)
                + line(1, "0100007F:C350", "0300007F:0009", "01", 112));

        assertThat(find("127.0.0.1", 50000, "127.0.0.1", 8080)).isEqualTo(-1);
    }

    @Test
    void skipsSocketsThatNoProcessOwnsAnyMore() throws IOException {
        assumeLittleEndian();
        writeTcp(line(0, "0100007F:C350", "0100007F:1F90", "06", 0));

        assertThat(find("127.0.0.1", 50000, "127.0.0.1", 8080)).isEqualTo(-1);
    }

    @Test
    void findsDualStackSocketsInTheIpv6Table() throws IOException {
        assumeLittleEndian();
        writeTcp("");
        Files.writeString(proc.resolve("net/tcp6"), HEADER
                + line(0, "0000000000000000FFFF00000100007F:C350", "0000000000000000FFFF00000100007F:1F90", "01", 333));

        assertThat(find("127.0.0.1", 50000, "127.0.0.1", 8080)).isEqualTo(333);
    }

    private long find(String app, int appPort, String peer, int peerPort) {
        return ProcNetTcp.findInode(proc, new InetSocketAddress(app, appPort), new InetSocketAddress(peer, peerPort));
    }

    private void writeTcp(String lines) throws IOException {
        Files.createDirectories(proc.resolve("net"));
        Files.writeString(proc.resolve("net/tcp"), HEADER + lines);
    }

    private static String line(int slot, String local, String remote, String state, long inode) {
        return String.format("%4d: %s %s %s 00000000:00000000 00:00000000 00000000     0        0 %d 1 "
                + "0000000000000000 20 4 30 10 -1%n", slot, local, remote, state, inode);
    }

    private static void assumeLittleEndian() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN,
                "The sample /proc/net/tcp lines are written as a little-endian kernel prints them.");
    }
}
