package dev.apptap.junit;

import dev.apptap.proxy.engine.HostResolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Answers {@code localhost} and the reserved {@code *.test} and {@code *.localhost} names with loopback, so a test
 * that talks to {@code api.example.test} reaches its local origin and never asks a DNS server about it. Other
 * names are refused unless {@code apptap.resolve=system} (and the test is not {@code offline}).
 */
final class LoopbackResolver implements HostResolver {

    private final boolean systemLookups;

    LoopbackResolver(boolean systemLookups) {
        this.systemLookups = systemLookups;
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.equals("localhost") || name.endsWith(".localhost") || name.endsWith(".test")) {
            return new InetAddress[]{InetAddress.getByAddress(host, new byte[]{127, 0, 0, 1})};
        }
        if (systemLookups) {
            return HostResolver.SYSTEM.resolve(host);
        }
        throw new UnknownHostException("apptap resolves only localhost and *.test names during tests, not " + host
                + "; set the configuration parameter " + Config.RESOLVE + "=system to let apps reach other hosts");
    }
}
