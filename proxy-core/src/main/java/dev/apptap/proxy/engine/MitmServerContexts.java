package dev.apptap.proxy.engine;

import dev.apptap.proxy.ca.LeafCertificate;
import dev.apptap.proxy.ca.LeafCertificates;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLException;

/**
 * The server-side TLS contexts apptap answers apps with, one per host, built off the event loop from the
 * leaf certificates the CA mints. Apps are offered {@code http/1.1} only until the HTTP/2 relay lands.
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

    CompletableFuture<SslContext> forHost(String host) {
        if (byHost.size() > MAX_CACHED) {
            byHost.clear();
        }
        CompletableFuture<SslContext> context = byHost.computeIfAbsent(host,
                h -> leaves.forHost(h).thenApplyAsync(MitmServerContexts::build, builder));
        context.whenComplete((ok, failure) -> {
            if (failure != null) {
                byHost.remove(host, context);
            }
        });
        return context;
    }

    private static SslContext build(LeafCertificate leaf) {
        try {
            return SslContextBuilder.forServer(leaf.key(), leaf.chain().toArray(X509Certificate[]::new))
                    .protocols("TLSv1.3", "TLSv1.2")
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("apptap could not build a TLS context for " + leaf.host() + ": "
                    + e.getMessage(), e);
        }
    }
}
