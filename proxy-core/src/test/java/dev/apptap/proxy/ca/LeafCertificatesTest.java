package dev.apptap.proxy.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import org.bouncycastle.asn1.x509.Extension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class LeafCertificatesTest {

    private static final CertificateAuthority CA = CertificateAuthority.ephemeral();
    private static final ExecutorService POOL = Executors.newFixedThreadPool(4);

    @AfterAll
    static void stopPool() {
        POOL.shutdownNow();
    }

    @Test
    void leafForDnsNameHasDnsSanCommonNameAndServerAuth() throws Exception {
        X509Certificate leaf = mint(new LeafCertificates(CA, POOL), "api.example.test").leaf();

        assertThat(sans(leaf)).containsExactly(List.of(2, "api.example.test"));
        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=api.example.test");
        assertThat(leaf.getIssuerX500Principal()).isEqualTo(CA.certificate().getSubjectX500Principal());
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(leaf.getKeyUsage()).startsWith(true, false, false, false, false, false);
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getCriticalExtensionOIDs()).contains(Extension.keyUsage.getId());
        assertThat(leaf.getExtensionValue(Extension.authorityKeyIdentifier.getId())).isNotNull();
        assertThat(leaf.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
        assertThat(leaf.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void leafIsValidForAYearFromTwoDaysAgo() throws Exception {
        X509Certificate leaf = mint(new LeafCertificates(CA, POOL), "validity.test").leaf();

        assertThat(leaf.getNotBefore().toInstant()).isBetween(
                Instant.now().minus(Duration.ofDays(2)).minusSeconds(60), Instant.now().minus(Duration.ofDays(2)).plusSeconds(1));
        assertThat(Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()))
                .isLessThanOrEqualTo(Duration.ofDays(397));
    }

    @Test
    void leafForIpLiteralsHasIpSans() throws Exception {
        LeafCertificates leaves = new LeafCertificates(CA, POOL);

        assertThat(sans(mint(leaves, "127.0.0.1").leaf())).containsExactly(List.of(7, "127.0.0.1"));
        assertThat(sans(mint(leaves, "::1").leaf())).containsExactly(List.of(7, "0:0:0:0:0:0:0:1"));
        assertThat(sans(mint(leaves, "[2001:db8::5]").leaf())).containsExactly(List.of(7, "2001:db8:0:0:0:0:0:5"));
    }

    @Test
    void leafChainsToTheCaUnderPkix() throws Exception {
        LeafCertificate leaf = mint(new LeafCertificates(CA, POOL), "chain.example.test");

        assertThat(leaf.chain()).containsExactly(leaf.leaf(), CA.certificate());
        TestCertificates.validatePkix(leaf.leaf(), CA.certificate());
    }

    @Test
    void leafIsTrustedByAJdkTrustManagerAnchoredAtTheCa() throws Exception {
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        anchors.setCertificateEntry("apptap-ca", CA.certificate());
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(anchors);
        X509TrustManager trustManager = (X509TrustManager) factory.getTrustManagers()[0];
        LeafCertificate leaf = mint(new LeafCertificates(CA, POOL), "tm.example.test");

        trustManager.checkServerTrusted(leaf.chain().toArray(X509Certificate[]::new), "ECDHE_ECDSA");
    }

    @Test
    void allLeavesShareOneKeyThatMatchesTheirCertificates() throws Exception {
        LeafCertificates leaves = new LeafCertificates(CA, POOL);
        LeafCertificate a = mint(leaves, "a.test");
        LeafCertificate b = mint(leaves, "b.test");

        assertThat(a.key()).isSameAs(b.key());
        assertThat(Keys.matches(a.key(), a.leaf().getPublicKey())).isTrue();
    }

    @Test
    void sameHostReturnsTheCachedLeaf() throws Exception {
        LeafCertificates leaves = new LeafCertificates(CA, POOL);

        LeafCertificate first = mint(leaves, "cached.test");
        LeafCertificate second = mint(leaves, "CACHED.test");

        assertThat(second).isSameAs(first);
        assertThat(leaves.cachedHosts()).isEqualTo(1);
    }

    @Test
    void concurrentRequestsForOneHostMintOnce() throws Exception {
        AtomicInteger mintings = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        Executor gatedCounting = task -> {
            mintings.incrementAndGet();
            POOL.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                task.run();
            });
        };
        LeafCertificates leaves = new LeafCertificates(CA, gatedCounting);
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<CompletableFuture<LeafCertificate>>> requests = new ArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            for (int i = 0; i < 8; i++) {
                requests.add(CompletableFuture.supplyAsync(() -> {
                    awaitQuietly(start);
                    return leaves.forHost("shared.test");
                }, callers));
            }
            start.countDown();
            List<CompletableFuture<LeafCertificate>> futures = new ArrayList<>();
            for (CompletableFuture<CompletableFuture<LeafCertificate>> request : requests) {
                futures.add(request.get(10, TimeUnit.SECONDS));
            }
            release.countDown();
            LeafCertificate first = futures.get(0).get(10, TimeUnit.SECONDS);

            for (CompletableFuture<LeafCertificate> future : futures) {
                assertThat(future.get(10, TimeUnit.SECONDS)).isSameAs(first);
            }
            assertThat(mintings).hasValue(1);
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void failedMintingIsForgottenSoARetrySucceeds() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Executor rejectsFirst = task -> {
            if (calls.getAndIncrement() == 0) {
                throw new RejectedExecutionException("pool is saturated");
            }
            task.run();
        };
        LeafCertificates leaves = new LeafCertificates(CA, rejectsFirst);

        assertThatThrownBy(() -> leaves.forHost("retry.test").get())
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(CertificateMintingException.class)
                .hasMessage("apptap could not mint a certificate for the host \"retry.test\" because its minting executor"
                        + " refused the task (is it shut down?).")
                .satisfies(e -> assertThat(((CertificateMintingException) e).host()).isEqualTo("retry.test"));
        assertThat(leaves.cachedHosts()).isZero();

        assertThat(leaves.forHost("retry.test").get().host()).isEqualTo("retry.test");
    }

    @Test
    void invalidHostFailsWithSentenceNamingIt() {
        LeafCertificates leaves = new LeafCertificates(CA, POOL);

        assertThatThrownBy(() -> leaves.forHost("bad host").get())
                .cause()
                .isInstanceOf(CertificateMintingException.class)
                .hasMessage("apptap cannot mint a certificate for the host \"bad host\" because the character ' '"
                        + " cannot appear in a DNS name.");
    }

    @Test
    void cancellingOneCallersFutureDoesNotPoisonTheCache() throws Exception {
        LeafCertificates leaves = new LeafCertificates(CA, POOL);

        leaves.forHost("cancel.test").cancel(true);

        assertThat(leaves.forHost("cancel.test").get(10, TimeUnit.SECONDS).host()).isEqualTo("cancel.test");
    }

    @Test
    void cacheForgetsTheOldestHostBeyondItsBound() throws Exception {
        LeafCertificates leaves = new LeafCertificates(CA, Runnable::run, 2);
        LeafCertificate oldest = mint(leaves, "one.test");
        mint(leaves, "two.test");
        mint(leaves, "three.test");

        assertThat(leaves.cachedHosts()).isEqualTo(2);
        assertThat(mint(leaves, "one.test")).isNotSameAs(oldest);
    }

    @Test
    void commonNameIsCutAt64CharactersButTheSanKeepsTheWholeName() throws Exception {
        String host = "a".repeat(60) + ".example.test";

        X509Certificate leaf = mint(new LeafCertificates(CA, POOL), host).leaf();

        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=" + host.substring(0, 64));
        assertThat(sans(leaf)).containsExactly(List.of(2, host));
    }

    private static LeafCertificate mint(LeafCertificates leaves, String host) throws Exception {
        return leaves.forHost(host).get(10, TimeUnit.SECONDS);
    }

    private static Collection<List<?>> sans(X509Certificate leaf) throws Exception {
        return leaf.getSubjectAlternativeNames();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
