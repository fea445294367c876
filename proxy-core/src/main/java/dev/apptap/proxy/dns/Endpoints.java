package dev.apptap.proxy.dns;

import dev.apptap.flow.Endpoint;
import java.net.InetSocketAddress;

final class Endpoints {

    private Endpoints() {
    }

    /** A socket address as a flow endpoint: the IP literal is both host and address, as no name was involved. */
    static Endpoint of(InetSocketAddress address) {
        String literal = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        int scope = literal.indexOf('%');
        if (scope > 0) {
            literal = literal.substring(0, scope);
        }
        return new Endpoint(literal, address.getPort(), literal);
    }
}
