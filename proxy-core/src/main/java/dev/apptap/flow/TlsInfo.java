package dev.apptap.flow;

import java.util.List;
import java.util.Objects;

/**
 * What apptap saw of the TLS session between the app and apptap.
 *
 * @param sni                the server name the app sent, or an empty string when it sent none
 * @param offeredAlpn        the protocols the app offered, in its order
 * @param alpn               the protocol agreed with the app, or an empty string
 * @param version            the TLS version agreed with the app ({@code TLSv1.3}), or an empty string
 *                           when the handshake did not complete
 * @param cipherSuite        the cipher suite agreed with the app, or an empty string
 * @param passthrough        whether apptap relayed the TLS bytes without decrypting them
 */
public record TlsInfo(String sni, List<String> offeredAlpn, String alpn, String version, String cipherSuite,
                      boolean passthrough) {

    public TlsInfo {
        Objects.requireNonNull(sni, "sni");
        offeredAlpn = List.copyOf(offeredAlpn);
        Objects.requireNonNull(alpn, "alpn");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(cipherSuite, "cipherSuite");
    }
}
