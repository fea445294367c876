package dev.apptap.proxy.engine;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.Locale;

/**
 * Which TLS implementation both sides of the MITM use: BoringSSL (netty-tcnative) where it loads, because its
 * handshakes and AES-GCM are several times faster than the JDK's, which a proxy pays twice per connection;
 * the JDK's otherwise. {@code -Dapptap.tls.provider=jdk} forces the JDK's, for comparisons.
 */
final class TlsProviders {

    private static final SslProvider CHOSEN = choose();

    private TlsProviders() {
    }

    static SslProvider provider() {
        return CHOSEN;
    }

    private static SslProvider choose() {
        String asked = System.getProperty("apptap.tls.provider", "").toLowerCase(Locale.ROOT);
        if (asked.equals("jdk")) {
            return SslProvider.JDK;
        }
        return OpenSsl.isAvailable() && OpenSsl.isAlpnSupported() ? SslProvider.OPENSSL : SslProvider.JDK;
    }
}
