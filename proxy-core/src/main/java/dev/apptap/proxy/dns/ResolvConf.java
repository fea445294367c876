package dev.apptap.proxy.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Reads the resolver the system uses: the first {@code nameserver} line of {@code resolv.conf}. */
final class ResolvConf {

    static final Path SYSTEM = Path.of("/etc/resolv.conf");
    private static final int DNS_PORT = 53;

    private ResolvConf() {
    }

    /** The first usable nameserver, or empty when the file is missing, unreadable, or names none. */
    static Optional<InetSocketAddress> firstNameserver(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | SecurityException unreadable) {
            return Optional.empty();
        }
        for (String line : lines) {
            Optional<InetSocketAddress> nameserver = parseNameserver(line);
            if (nameserver.isPresent()) {
                return nameserver;
            }
        }
        return Optional.empty();
    }

    static Optional<InetSocketAddress> parseNameserver(String line) {
        String[] fields = line.strip().split("\\s+");
        if (fields.length < 2 || !fields[0].equals("nameserver")) {
            return Optional.empty();
        }
        String literal = fields[1];
        // Only literals: getByName would otherwise resolve a host name, through the very resolver being looked for.
        boolean ipv4 = literal.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean ipv6 = literal.matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?");
        if (!ipv4 && !ipv6) {
            return Optional.empty();
        }
        try {
            return Optional.of(new InetSocketAddress(InetAddress.getByName(literal), DNS_PORT));
        } catch (UnknownHostException | SecurityException malformed) {
            return Optional.empty();
        }
    }
}
