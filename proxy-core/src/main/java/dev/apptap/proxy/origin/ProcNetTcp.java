package dev.apptap.proxy.origin;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Reads socket inodes from {@code /proc/net/tcp} and {@code /proc/net/tcp6}. */
final class ProcNetTcp {

    /** {@code TCP_LISTEN} in the kernel's state numbering, as /proc prints it. */
    private static final String LISTEN = "0A";

    private ProcNetTcp() {
    }

    /**
     * Finds the inode of the socket whose local end is {@code app}. An exact match on the remote end wins;
     * without one, the only other socket bound to {@code app} wins, because after an nft redirect the app's
     * socket still names the original destination as its remote end, never apptap's listener.
     *
     * @return the inode, or {@code -1} when no socket (or no single socket) matches
     */
    static long findInode(Path proc, InetSocketAddress app, InetSocketAddress peer) {
        Match match = new Match();
        boolean ipv4 = app.getAddress() instanceof Inet4Address;
        ByteOrder order = ByteOrder.nativeOrder();
        if (ipv4) {
            scan(proc.resolve("net/tcp"), endpoint(app, false, order), endpoint(peer, false, order), match);
        }
        // Each read walks the kernel's whole established hash (a millisecond or more on big hosts), so tcp6 is
        // read only when tcp had nothing. Dual-stack sockets, which Java and Netty clients use, list IPv4
        // addresses there as v4-mapped.
        if (match.exact < 0 && match.localOnlyCount == 0) {
            scan(proc.resolve("net/tcp6"), endpoint(app, true, order), endpoint(peer, true, order), match);
        }
        if (match.exact > 0) {
            return match.exact;
        }
        return match.localOnlyCount == 1 ? match.localOnly : -1;
    }

    private static void scan(Path table, String local, String remote, Match match) {
        if (local == null) {
            return;
        }
        try (BufferedReader reader = Files.newBufferedReader(table, StandardCharsets.US_ASCII)) {
            reader.readLine(); // column headings
            for (String line; (line = reader.readLine()) != null; ) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length < 10 || !fields[1].equals(local) || fields[3].equals(LISTEN)) {
                    continue;
                }
                long inode = Long.parseLong(fields[9]);
                if (inode == 0) {
                    continue; // TIME_WAIT and orphaned sockets belong to no process any more
                }
                if (fields[2].equals(remote)) {
                    match.exact = inode;
                    return;
                }
                match.localOnly = inode;
                match.localOnlyCount++;
            }
        } catch (IOException | NumberFormatException unreadable) {
            // No IPv6 in this kernel, or a format this reader does not know: nothing to find here.
        }
    }

    /**
     * Formats an address as /proc prints it: each 32-bit word of the network-order address read as a host-order
     * integer in upper-case hex, then the port as four hex digits.
     *
     * @return the text, or {@code null} when an IPv6 address cannot appear in the IPv4 table
     */
    static String endpoint(InetSocketAddress address, boolean ipv6Table, ByteOrder order) {
        byte[] raw = address.getAddress().getAddress();
        if (raw.length == 4 && ipv6Table) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(raw, 0, mapped, 12, 4);
            raw = mapped;
        } else if (raw.length == 16 && !ipv6Table) {
            return null;
        }
        StringBuilder text = new StringBuilder(raw.length * 2 + 5);
        for (int word = 0; word < raw.length; word += 4) {
            for (int i = 0; i < 4; i++) {
                int index = order == ByteOrder.LITTLE_ENDIAN ? word + 3 - i : word + i;
                text.append(String.format(Locale.ROOT, "%02X", raw[index] & 0xff));
            }
        }
        return text.append(String.format(Locale.ROOT, ":%04X", address.getPort())).toString();
    }

    private static final class Match {
        long exact = -1;
        long localOnly = -1;
        int localOnlyCount;
    }
}
