package dev.apptap.redirector.macos.pf;

import dev.apptap.proxy.redirect.SourcePortRange;

/**
 * The pf rules apptap loads into the anchor {@value #NAME}. pf's {@code rdr} only acts on packets entering an
 * interface, so a filter rule first bounces the user's outgoing TCP 80/443 onto {@code lo0} ({@code route-to}), and
 * the {@code rdr on lo0} rule then sends it to apptap's listener. Only filter rules can match a {@code user}, so the
 * {@code rdr} rules match by port, leaving loopback alone (which also keeps apptap's own replies, which cross lo0
 * twice, from being redirected again).
 *
 * <p>apptap's own upstream connections leave from {@link #RESERVED}, below macOS's ephemeral range (49152-65535), so
 * no other socket uses them, and a {@code pass out quick} rule lets them out before
 * the {@code route-to} rules can catch them. A second uid (mitmproxy's documented way) would need a second process;
 * marking packets with {@code tos} is unverified on macOS's pfctl.
 *
 * <p>The anchor sits under {@code com.apple/}, because macOS's default {@code /etc/pf.conf} evaluates only
 * {@code com.apple/*} anchors; translation rules come before filter rules, as pfctl requires.
 */
final class PfAnchor {

    static final String NAME = "com.apple/apptap";
    /** The engine's and {@link RawRelay}'s upstream ports: below macOS's ephemeral range, so no other socket takes them. */
    static final SourcePortRange RESERVED = new SourcePortRange(40000, 40999);

    private PfAnchor() {
    }

    /**
     * @param uid       the user whose connections are redirected (the test run's)
     * @param ipv4Port  apptap's listener on 127.0.0.1
     * @param ipv6Port  apptap's listener on ::1
     */
    static String rules(long uid, int ipv4Port, int ipv6Port) {
        String ports = "{ 80 443 }";
        String reserved = RESERVED.first() + ":" + RESERVED.last();
        return String.join("\n",
                "# apptap macos-pf: redirects TCP 80/443 of uid " + uid + " to apptap; flushed when apptap stops.",
                "rdr pass on lo0 inet proto tcp from ! 127.0.0.0/8 to ! 127.0.0.0/8 port " + ports
                        + " -> 127.0.0.1 port " + ipv4Port,
                "rdr pass on lo0 inet6 proto tcp from ! ::1 to ! ::1 port " + ports + " -> ::1 port " + ipv6Port,
                "pass out quick inet proto tcp from any port " + reserved + " to any port " + ports,
                "pass out quick inet6 proto tcp from any port " + reserved + " to any port " + ports,
                "block drop out quick proto udp from any to any port 443 user " + uid,
                "pass out route-to (lo0 127.0.0.1) inet proto tcp from any to ! 127.0.0.0/8 port " + ports
                        + " user " + uid + " keep state",
                "pass out route-to (lo0 ::1) inet6 proto tcp from any to ! ::1 port " + ports
                        + " user " + uid + " keep state",
                "");
    }
}
