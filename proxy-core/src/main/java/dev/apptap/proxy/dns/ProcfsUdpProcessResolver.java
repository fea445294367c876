package dev.apptap.proxy.dns;

import dev.apptap.flow.ProcessInfo;
import dev.apptap.proxy.origin.ProcessResolver;
import dev.apptap.proxy.origin.ProcfsProcessResolver;
import dev.apptap.proxy.origin.SocketOwners;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Finds the process behind a UDP socket: its inode from {@code /proc/net/udp} and {@code /proc/net/udp6}, then the
 * process holding {@code socket:[inode]}. {@link ProcfsProcessResolver} reads only the TCP tables, hence this one.
 *
 * <p>The app's socket is matched on its local port and address; an unconnected socket bound to the wildcard
 * address ({@code 0.0.0.0:port}, {@code [::]:port}) matches too, because that is how it appears there. Thread-safe.
 */
final class ProcfsUdpProcessResolver implements ProcessResolver {

    private final Path proc;
    private final SocketOwners owners;

    ProcfsUdpProcessResolver() {
        this(Path.of("/proc"));
    }

    ProcfsUdpProcessResolver(Path proc) {
        this.proc = proc;
        this.owners = new SocketOwners(proc);
    }

    /** Procfs on Linux; elsewhere every process is {@link ProcessInfo#UNKNOWN}. */
    static ProcessResolver forThisSystem() {
        return Files.isDirectory(Path.of("/proc/self/fd")) ? new ProcfsUdpProcessResolver() : ProcessResolver.NONE;
    }

    @Override
    public ProcessInfo resolve(InetSocketAddress app, InetSocketAddress peer) {
        long inode = findInode(app);
        if (inode <= 0) {
            return ProcessInfo.UNKNOWN;
        }
        long pid = owners.ownerOf(inode);
        return pid < 0 ? ProcessInfo.UNKNOWN : ProcfsProcessResolver.ofPid(pid);
    }

    long findInode(InetSocketAddress app) {
        byte[] raw = app.getAddress().getAddress();
        String port = String.format(Locale.ROOT, "%04X", app.getPort());
        long inode = -1;
        if (raw.length == 4) {
            inode = scan(proc.resolve("net/udp"), hex(raw), port);
            if (inode > 0) {
                return inode;
            }
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(raw, 0, mapped, 12, 4);
            raw = mapped; // dual-stack sockets list IPv4 peers as v4-mapped in udp6
        }
        return scan(proc.resolve("net/udp6"), hex(raw), port);
    }

    private static long scan(Path table, String address, String port) {
        String exact = address + ":" + port;
        String wildcard = "0".repeat(address.length()) + ":" + port;
        try (BufferedReader reader = Files.newBufferedReader(table, StandardCharsets.US_ASCII)) {
            reader.readLine(); // column headings
            long wildcardInode = -1;
            for (String line; (line = reader.readLine()) != null; ) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length < 10) {
                    continue;
                }
                if (fields[1].equals(exact)) {
                    return Long.parseLong(fields[9]);
                }
                if (fields[1].equals(wildcard)) {
                    wildcardInode = Long.parseLong(fields[9]);
                }
            }
            return wildcardInode;
        } catch (IOException | NumberFormatException unreadable) {
            return -1;
        }
    }

    /** As /proc prints addresses: each 32-bit word of the network-order address as a host-order hex integer. */
    private static String hex(byte[] raw) {
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        StringBuilder text = new StringBuilder(raw.length * 2);
        for (int word = 0; word < raw.length; word += 4) {
            for (int i = 0; i < 4; i++) {
                text.append(String.format(Locale.ROOT, "%02X", raw[little ? word + 3 - i : word + i] & 0xff));
            }
        }
        return text.toString();
    }

}
