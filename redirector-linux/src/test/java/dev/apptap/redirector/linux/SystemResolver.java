package dev.apptap.redirector.linux;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * Whether a glibc program's {@code getaddrinfo} here really sends a DNS query, which the DNS tests need to prove
 * anything: with only loopback addresses, AI_ADDRCONFIG (curl's default) suppresses the query; an nsswitch
 * {@code hosts:} line without {@code dns}, or one that stops at {@code resolve} (systemd-resolved over varlink),
 * sends no packet at all; and a resolv.conf without a nameserver leaves glibc nothing to send to.
 */
final class SystemResolver {

    private SystemResolver() {
    }

    static void assumeGlibcAsksDns() throws IOException {
        assumeTrue(hasNonLoopbackAddress(), "This host has only loopback addresses, so glibc's AI_ADDRCONFIG sends"
                + " no DNS query; give it any non-loopback address (ip addr add 192.0.2.2/24 dev <if>).");
        String hosts = hostsLine(Path.of("/etc/nsswitch.conf"));
        assumeTrue(reachesDns(hosts), "nsswitch.conf's '" + hosts + "' does not send DNS packets before another"
                + " source answers; put 'dns' before 'resolve' or '[!UNAVAIL=return]'.");
        assumeTrue(Files.readAllLines(Path.of("/etc/resolv.conf")).stream().anyMatch(l -> l.trim().startsWith("nameserver")),
                "/etc/resolv.conf names no nameserver, so glibc sends no query; add one (any address: the redirector"
                        + " sends the query to apptap's responder whatever it names).");
    }

    static boolean hasNonLoopbackAddress() throws SocketException {
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nif.isUp() && !nif.isLoopback() && nif.inetAddresses()
                    .anyMatch(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress())) {
                return true;
            }
        }
        return false;
    }

    static String hostsLine(Path nsswitch) throws IOException {
        if (!Files.exists(nsswitch)) {
            return "hosts: files dns"; // glibc's built-in default
        }
        for (String line : Files.readAllLines(nsswitch)) {
            String trimmed = line.trim();
            if (trimmed.startsWith("hosts:")) {
                return trimmed;
            }
        }
        return "hosts: files dns";
    }

    /**
     * Whether {@code dns} is reached for a name no file lists. A {@code resolve} source before it answers over
     * varlink from systemd-resolved (which sends the packets itself, as another process) whenever resolved runs.
     */
    static boolean reachesDns(String hostsLine) {
        boolean resolvedRuns = Files.exists(Path.of("/run/systemd/resolve/io.systemd.Resolve"));
        for (String source : hostsLine.substring("hosts:".length()).trim().split("\\s+")) {
            if (source.equals("dns")) {
                return true;
            }
            if (source.equals("resolve") && resolvedRuns) {
                return false;
            }
        }
        return false;
    }
}
