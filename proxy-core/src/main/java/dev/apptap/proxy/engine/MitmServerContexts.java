package dev.apptap.proxy.engine;

import dev.apptap.proxy.ca.LeafCertificate;
import dev.apptap.proxy.ca.LeafCertificates;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.SimpleKeyManagerFactory;
import java.net.Socket;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The server-side TLS apptap answers apps with. One TLS context per agreed application protocol serves every
 * host: its key manager picks the leaf minted for the host the engine was created for, so a new host costs one
 * minting (off the event loop) and no new TLS context.
 */
final class MitmServerContexts {

    private static final int MAX_CACHED = 10_000;

    private final LeafCertificates leaves;
    private final Map<String, LeafCertificate> minted = new ConcurrentHashMap<>();
    private final Map<String, SslContext> byProtocol = new ConcurrentHashMap<>();

    MitmServerContexts(LeafCertificates leaves) {
        this.leaves = leaves;
    }

    /**
     * The context for {@code host}, once its leaf is minted. Create engines with
     * {@code context.newHandler(alloc, host, port)}: the host names the leaf.
     *
     * @param protocol the one application protocol to agree with the app ({@code h2} or {@code http/1.1}): the one
     *                 the upstream chose, so that both sides speak the same; empty for none
     */
    CompletableFuture<SslContext> forHost(String host, String protocol) {
        return leaves.forHost(host).thenApply(leaf -> {
            if (minted.size() > MAX_CACHED) {
                minted.clear();
            }
            minted.put(host, leaf);
            return byProtocol.computeIfAbsent(protocol, this::build);
        });
    }

    private SslContext build(String protocol) {
        try {
            KeyManagerFactory keys = new LeafKeyManagerFactory(new LeafKeyManager());
            if (TlsProviders.provider() == SslProvider.OPENSSL) {
                // keeps each host's key material in native form between handshakes
                keys = new OpenSslCachingX509KeyManagerFactory(keys);
            }
            SslContextBuilder builder = SslContextBuilder.forServer(keys)
                    .sslProvider(TlsProviders.provider())
                    .protocols("TLSv1.3", "TLSv1.2");
            if (!protocol.isEmpty()) {
                builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocol));
            }
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException("apptap could not build its TLS context for " + protocol + ": "
                    + e.getMessage(), e);
        }
    }

    /** Answers each handshake with the leaf of the host the engine was created for (its "peer host"). */
    private final class LeafKeyManager extends X509ExtendedKeyManager {

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            String host = engine.getPeerHost();
            return host != null && minted.containsKey(host) ? host : null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            LeafCertificate leaf = minted.get(alias);
            return leaf == null ? null : leaf.chain().toArray(X509Certificate[]::new);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            LeafCertificate leaf = minted.get(alias);
            return leaf == null ? null : leaf.key();
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return minted.keySet().toArray(String[]::new);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[0];
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    private static final class LeafKeyManagerFactory extends SimpleKeyManagerFactory {
        private final KeyManager[] managers;

        LeafKeyManagerFactory(X509ExtendedKeyManager manager) {
            this.managers = new KeyManager[]{manager};
        }

        @Override
        protected void engineInit(KeyStore keyStore, char[] password) {
        }

        @Override
        protected void engineInit(ManagerFactoryParameters parameters) {
        }

        @Override
        protected KeyManager[] engineGetKeyManagers() {
            return managers;
        }
    }
}
