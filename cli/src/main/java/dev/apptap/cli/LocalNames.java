package dev.apptap.cli;

import dev.apptap.proxy.engine.HostResolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Answers {@code localhost}, {@code *.localhost} and the reserved {@code *.test} names with 127.0.0.1 without asking
 * any DNS server, so stubbed test hosts never leak to the network; other names go to the system's resolver unless
 * apptap is offline.
 */
final class LocalNames implements HostResolver {

    private static final byte[] LOOPBACK = {127, 0, 0, 1};

    private final boolean offline;

    LocalNames(boolean offline) {
        this.offline = offline;
    }

    static boolean isLocal(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        return name.equals("localhost") || name.endsWith(".localhost") || name.endsWith(".test");
    }

    static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", LOOPBACK);
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always an address", e);
        }
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        if (isLocal(host)) {
            return new InetAddress[]{InetAddress.getByAddress(host, LOOPBACK)};
        }
        if (offline) {
            throw new UnknownHostException("apptap is offline (--offline), so it does not look up " + host
                    + "; add a --stub or --route for it");
        }
        return HostResolver.SYSTEM.resolve(host);
    }
}
