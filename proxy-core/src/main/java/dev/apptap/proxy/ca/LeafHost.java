package dev.apptap.proxy.ca;

import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.util.IPAddress;

/**
 * A host a leaf is minted for: a lower-case ASCII DNS name, or an IP literal. Literals are recognised by syntax
 * alone (Bouncy Castle's IPAddress), never by InetAddress.getByName on unchecked text, which may query DNS.
 *
 * @param name the cache key and the certificate's common name source
 * @param ip   whether {@code name} is an IPv4 or IPv6 literal
 */
record LeafHost(String name, boolean ip) {

    /** RFC 5280's ub-common-name. */
    static final int MAX_COMMON_NAME = 64;

    static LeafHost parse(String host) {
        String trimmed = host.trim();
        if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
            trimmed = trimmed.substring(1, trimmed.length() - 1);
        }
        int zone = trimmed.indexOf('%');
        if (zone > 0 && trimmed.indexOf(':') >= 0) {
            // a scope id names a local interface; certificates cannot carry it
            trimmed = trimmed.substring(0, zone);
        }
        if (IPAddress.isValidIPv4(trimmed)) {
            return new LeafHost(trimmed, true);
        }
        if (IPAddress.isValidIPv6(trimmed)) {
            return new LeafHost(canonicalIpv6(trimmed), true);
        }
        String name = trimmed.endsWith(".") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a certificate needs a host name, and the name was empty");
        }
        String ascii = IDN.toASCII(name, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        for (int i = 0; i < ascii.length(); i++) {
            char c = ascii.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '/' || c == '\\' || c == '@') {
                throw new IllegalArgumentException("the character '" + c + "' cannot appear in a DNS name");
            }
        }
        return new LeafHost(ascii, false);
    }

    /** So "::1" and "0:0:0:0:0:0:0:1" share one cache entry; the text is already a checked literal, so no lookup. */
    private static String canonicalIpv6(String literal) {
        try {
            return InetAddress.getByName(literal).getHostAddress();
        } catch (UnknownHostException e) {
            return literal.toLowerCase(Locale.ROOT);
        }
    }

    GeneralName subjectAlternativeName() {
        return new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, name);
    }

    String commonName() {
        return name.length() <= MAX_COMMON_NAME ? name : name.substring(0, MAX_COMMON_NAME);
    }
}
