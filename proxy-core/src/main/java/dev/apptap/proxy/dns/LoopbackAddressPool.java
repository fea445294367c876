package dev.apptap.proxy.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Hands each host name its own stable IPv4 loopback address: 127.0.0.2, 127.0.0.3, … in the order names are first
 * asked for. The whole 127.0.0.0/8 block is loopback on Linux, so an app that connects to such an address without
 * being redirected fails on this machine, never on the network; and because every name has its own address, the
 * engine can tell from a bare destination address which host an app meant ({@link #nameOf}).
 *
 * <pre>{@code
 * LoopbackAddressPool pool = new LoopbackAddressPool();
 * InetAddress api = pool.addressOf("api.example.test");   // 127.0.0.2, and the same on every later call
 * pool.nameOf(api);                                       // Optional[api.example.test]
 * }</pre>
 *
 * <p>Names are compared ignoring case and a trailing dot, as DNS compares them. Addresses are never reused while
 * the pool lives (about 16 million names fit). Thread-safe.
 */
public final class LoopbackAddressPool {

    /**
     * Loopback addresses that other software already answers on: 127.0.0.1 (everything), 127.0.0.11 (Docker's
     * embedded DNS), 127.0.0.53 and .54 (systemd-resolved), 127.0.1.1 (Debian's /etc/hosts entry for the host
     * name). Handing them to a name would let a missed redirect reach a real local service.
     */
    private static final Set<Integer> TAKEN = Set.of(0x7f000001, 0x7f00000b, 0x7f000035, 0x7f000036, 0x7f000101);
    private static final int FIRST = 0x7f000002;
    private static final int LAST = 0x7ffffffe;

    private final Map<String, InetAddress> byName = new HashMap<>();
    private final Map<InetAddress, String> byAddress = new HashMap<>();
    private int next = FIRST;

    /** The name's address, allocating the next free one the first time the name is asked for. */
    public synchronized InetAddress addressOf(String name) {
        String key = normalize(name);
        InetAddress known = byName.get(key);
        if (known != null) {
            return known;
        }
        InetAddress address = allocate(key);
        byName.put(key, address);
        byAddress.put(address, key);
        return address;
    }

    /** The name an address was handed to (lower case, without trailing dot), if this pool handed it out. */
    public synchronized Optional<String> nameOf(InetAddress address) {
        return Optional.ofNullable(byAddress.get(address));
    }

    /** How many names hold an address. */
    public synchronized int size() {
        return byName.size();
    }

    private InetAddress allocate(String name) {
        // x.x.x.0 and x.x.x.255 are skipped: some tools treat them as network or broadcast addresses.
        while (next <= LAST && (TAKEN.contains(next) || (next & 0xff) == 0 || (next & 0xff) == 0xff)) {
            next++;
        }
        if (next > LAST) {
            throw new IllegalStateException("The loopback address pool is exhausted: every address in 127.0.0.0/8"
                    + " already belongs to a name, so \"" + name + "\" cannot get one.");
        }
        int value = next++;
        try {
            return (Inet4Address) InetAddress.getByAddress(name, new byte[] {
                    (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    static String normalize(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
