package dev.apptap.bench;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.LeafCertificate;
import dev.apptap.proxy.ca.LeafCertificates;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What an app's first TLS connection to a host costs apptap before the handshake can go on: minting that host's
 * leaf. The target is <b>under 2 ms per new host</b> once warm (one ECDSA P-256 signature plus encoding; the leaf
 * key is shared, so no key generation). A cached host should cost a map lookup and a future copy.
 *
 * <p>The minting executor is {@code Runnable::run}, so {@code forHost} signs on the benchmark thread and
 * {@code join()} measures the signing itself rather than a hand-off to a pool.
 *
 * <p>The cache keeps the production bound, {@link LeafCertificates#DEFAULT_MAX_HOSTS}. A short run mints fewer
 * hosts than that and never evicts; a long one (say {@code -r 30s}) passes it and from then on every new host
 * also forgets the oldest one, as a long-lived proxy does. Eviction is a queue poll and a map removal, far below
 * the signature's cost, so both regimes measure the same thing, and memory stays bounded however long the run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LeafMintingBenchmark {

    private static final String CACHED_HOST = "cached.bench.test";

    // Atomic so that -t N still gives every invocation a host nobody asked for before.
    private final AtomicLong hosts = new AtomicLong();
    private LeafCertificates leaves;

    @Setup
    public void setUp() {
        leaves = new LeafCertificates(CertificateAuthority.ephemeral(), Runnable::run,
                LeafCertificates.DEFAULT_MAX_HOSTS);
        leaves.forHost(CACHED_HOST).join();
    }

    @Benchmark
    public LeafCertificate newHost() {
        return leaves.forHost("h" + hosts.incrementAndGet() + ".bench.test").join();
    }

    // In ns: a hit is a few hundred of them, which microseconds would round to a bare 0.
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public LeafCertificate cachedHost() {
        return leaves.forHost(CACHED_HOST).join();
    }
}
