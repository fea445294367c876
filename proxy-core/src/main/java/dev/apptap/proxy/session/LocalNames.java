package dev.apptap.proxy.session;

import dev.apptap.proxy.engine.HostResolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Answers {@code localhost}, {@code *.localhost} and the reserved {@code *.test} names with 127.0.0.1 without asking
 * any DNS server, so test hosts never leak to the network; other names go to the system's resolver only when system
 * lookups are allowed.
 */
final class LocalNames implements HostResolver {

    private static final byte[] LOOPBACK = {127, 0, 0, 1};

    private final boolean systemLookups;
    private final String lookupAdvice;

    LocalNames(boolean systemLookups, String lookupAdvice) {
        this.systemLookups = systemLookups;
        this.lookupAdvice = lookupAdvice;
    }

    static boolean isLocal(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        return name.equals("localhost") || name.endsWith(".localhost") || name.endsWith(".test");
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        if (isLocal(host)) {
            return new InetAddress[]{InetAddress.getByAddress(host, LOOPBACK)};
        }
        if (systemLookups) {
            return HostResolver.SYSTEM.resolve(host);
        }
        throw new UnknownHostException("apptap resolves only localhost, *.localhost and *.test names here, not " + host
                + "; " + lookupAdvice);
    }
}
