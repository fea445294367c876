package dev.apptap.proxy.ca;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Mints and caches leaf certificates per host, off the caller's thread.
 *
 * TODO(helper ca): implement as specified.
 */
public final class LeafCertificates {

    /** @param minter where minting runs (never a Netty event loop) */
    public LeafCertificates(CertificateAuthority ca, Executor minter) {
    }

    /** The leaf for {@code host} (a DNS name, or an IPv4/IPv6 literal for an IP SAN), minted once and cached. */
    public CompletableFuture<LeafCertificate> forHost(String host) {
        throw new UnsupportedOperationException("not yet");
    }
}
