package dev.apptap.proxy.engine;

import dev.apptap.proxy.ca.LeafCertificate;
import dev.apptap.proxy.ca.LeafCertificates;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLException;

/**
 * The server-side TLS contexts apptap answers apps with, one per host, built off the event loop from the
 * leaf certificates the CA mints, per host and per agreed application protocol.
 */
final class MitmServerContexts {

    private static final int MAX_CACHED = 10_000;

    private final LeafCertificates leaves;
    private final Executor builder;
    private final ConcurrentHashMap<String, CompletableFuture<SslContext>> byHost = new ConcurrentHashMap<>();

    MitmServerContexts(LeafCertificates leaves, Executor builder) {
        this.leaves = leaves;
        this.builder = builder;
    }

    /**
     * @param protocol the one application protocol to agree with the app ({@code h2} or {@code http/1.1}): the one
     *                 the upstream chose, so that both sides speak the same
     */
    CompletableFuture<SslContext> forHost(String host, String protocol) {
        if (byHost.size() > MAX_CACHED) {
            byHost.clear();
        }
        String key = protocol + "|" + host;
        CompletableFuture<SslContext> context = byHost.computeIfAbsent(key,
                k -> leaves.forHost(host).thenApplyAsync(leaf -> build(leaf, protocol), builder));
        context.whenComplete((ok, failure) -> {
            if (failure != null) {
                byHost.remove(key, context);
            }
        });
        return context;
    }

    private static SslContext build(LeafCertificate leaf, String protocol) {
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(leaf.key(), leaf.chain().toArray(X509Certificate[]::new))
                    .sslProvider(TlsProviders.provider())
                    .protocols("TLSv1.3", "TLSv1.2");
            if (!protocol.isEmpty()) {
                builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocol));
            }
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException("apptap could not build a TLS context for " + leaf.host() + ": "
                    + e.getMessage(), e);
        }
    }
}
