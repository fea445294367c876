package dev.apptap.proxy.ca;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Mints and caches leaf certificates per host, off the caller's thread.
 *
 * <p>All leaves share one EC P-256 key generated when this object is built, so a new host costs one signature
 * (well under 2 ms once warm) and never a key generation. Concurrent requests for one host share one minting; a
 * failed minting is forgotten so the next request tries again. The cache holds at most
 * {@value #DEFAULT_MAX_HOSTS} hosts and forgets the oldest first.
 *
 * <pre>{@code
 * LeafCertificates leaves = new LeafCertificates(CertificateAuthority.userDefault(), mintingExecutor);
 * leaves.forHost(sni).thenAccept(leaf -> ... SslContextBuilder.forServer(leaf.key(), leaf.chain()) ...);
 * }</pre>
 */
public final class LeafCertificates {

    public static final int DEFAULT_MAX_HOSTS = 10_000;

    /** One warm-up per JVM: later engines (the next test class) find the signing classes loaded. */
    private static final AtomicBoolean WARMED_UP = new AtomicBoolean();

    private final LeafMinter minter;
    private final Executor executor;
    private final int maxHosts;
    private final ConcurrentHashMap<String, CompletableFuture<LeafCertificate>> cache = new ConcurrentHashMap<>();
    /** Insertion order for eviction: the oldest host is forgotten first. */
    private final ConcurrentLinkedQueue<String> age = new ConcurrentLinkedQueue<>();

    /** @param minter where minting runs (never a Netty event loop) */
    public LeafCertificates(CertificateAuthority ca, Executor minter) {
        this(ca, minter, DEFAULT_MAX_HOSTS);
    }

    /** @param maxHosts how many hosts' leaves to keep before forgetting the oldest */
    public LeafCertificates(CertificateAuthority ca, Executor minter, int maxHosts) {
        Objects.requireNonNull(ca, "ca");
        this.executor = Objects.requireNonNull(minter, "minter");
        if (maxHosts < 1) {
            throw new IllegalArgumentException("The leaf cache must hold at least one host, but maxHosts was " + maxHosts + ".");
        }
        this.maxHosts = maxHosts;
        this.minter = new LeafMinter(ca, Keys.newEcP256());
    }

    /**
     * The leaf for {@code host} (a DNS name, or an IPv4/IPv6 literal for an IP SAN), minted once and cached.
     * The future fails with a {@link CertificateMintingException} naming the host. Completing or cancelling the
     * returned future does not affect other callers.
     */
    public CompletableFuture<LeafCertificate> forHost(String host) {
        Objects.requireNonNull(host, "host");
        LeafHost parsed;
        try {
            parsed = LeafHost.parse(host);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new CertificateMintingException(
                    "apptap cannot mint a certificate for the host \"" + host + "\" because " + e.getMessage() + ".", host, e));
        }
        // putIfAbsent, not computeIfAbsent: the minting must start outside the map's lock, since a direct
        // executor would otherwise run it, and its failure eviction, inside computeIfAbsent
        CompletableFuture<LeafCertificate> fresh = new CompletableFuture<>();
        CompletableFuture<LeafCertificate> existing = cache.putIfAbsent(parsed.name(), fresh);
        if (existing != null) {
            return existing.copy();
        }
        age.add(parsed.name());
        evictOldest();
        try {
            executor.execute(() -> mint(host, parsed, fresh));
        } catch (RejectedExecutionException e) {
            fail(host, parsed, fresh, e, "its minting executor refused the task (is it shut down?)");
        }
        return fresh.copy();
    }

    /**
     * Mints one leaf and drops it, on the minting executor, the first time it is called in this JVM. A cold JVM's
     * first minting loads and initialises the signing code (a third of a fresh {@code apptap run}'s time to its
     * first flow); done while the engine starts and the app is launched, the first host need not wait for it.
     */
    public void warmUpOnce() {
        if (!WARMED_UP.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> {
                try {
                    minter.mint(LeafHost.parse("warm-up.invalid"));
                } catch (GeneralSecurityException | IOException | RuntimeException e) {
                    // nothing to do: the first real host mints as it would have, and reports its own failure
                }
            });
        } catch (RejectedExecutionException e) {
            // the engine is already stopping
        }
    }

    /** How many hosts have a leaf (or a minting in flight) in the cache. */
    public int cachedHosts() {
        return cache.size();
    }

    private void mint(String host, LeafHost parsed, CompletableFuture<LeafCertificate> result) {
        try {
            result.complete(minter.mint(parsed));
        } catch (Exception | Error e) {
            fail(host, parsed, result, e, "signing failed (" + e + ")");
        }
    }

    private void fail(String host, LeafHost parsed, CompletableFuture<LeafCertificate> result, Throwable cause, String why) {
        // evict before completing, so a retry started from a failure callback mints afresh
        if (cache.remove(parsed.name(), result)) {
            age.remove(parsed.name());
        }
        result.completeExceptionally(new CertificateMintingException(
                "apptap could not mint a certificate for the host \"" + host + "\" because " + why + ".", host, cause));
    }

    private void evictOldest() {
        while (cache.size() > maxHosts) {
            String oldest = age.poll();
            if (oldest == null) {
                return;
            }
            cache.remove(oldest);
        }
    }
}
