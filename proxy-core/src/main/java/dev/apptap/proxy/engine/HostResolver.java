package dev.apptap.proxy.engine;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Resolves upstream host names for connections that arrive by name (explicit proxy requests); transparent
 * connections already carry an address and never need it. Tests and offline setups answer names
 * themselves, so that no lookup leaves the machine.
 *
 * <pre>{@code
 * ProxyEngine.builder().hostResolver(host -> host.endsWith(".test")
 *         ? new InetAddress[]{InetAddress.getLoopbackAddress()}
 *         : HostResolver.SYSTEM.resolve(host));
 * }</pre>
 */
@FunctionalInterface
public interface HostResolver {

    /** The operating system's resolver, through {@link InetAddress#getAllByName}. */
    HostResolver SYSTEM = InetAddress::getAllByName;

    /**
     * May block; the engine calls it off its event loops.
     *
     * @throws UnknownHostException when the name has no address
     */
    InetAddress[] resolve(String host) throws UnknownHostException;
}
