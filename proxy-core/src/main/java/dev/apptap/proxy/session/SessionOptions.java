package dev.apptap.proxy.session;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.engine.ProxyEngine;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.FlowWindow;
import dev.apptap.proxy.redirect.RedirectorProvider;
import dev.apptap.proxy.rules.RuleSet;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Everything an {@link InterceptionSession} is built from. The options every front end sets are typed here, so that
 * front ends need nothing from the engine or DNS packages; anything rarer reaches the engine's builder through
 * {@link Builder#tuning}.
 *
 * <pre>{@code
 * SessionOptions options = SessionOptions.builder()
 *         .certificateAuthority(CertificateAuthority.userDefault())
 *         .bodyLimit(512 * 1024)
 *         .systemLookups(false, "add a stub for it")
 *         .redirector(provider)          // OSPROXY; leave out for LAUNCH
 *         .build();
 * }</pre>
 *
 * @param ca                 the CA that signs the leaf certificates
 * @param flows              where flows are recorded
 * @param rules              stubs, routes and offline mode; also decide which names apptap's DNS answers
 * @param redirector         the redirector for OSPROXY mode; empty for LAUNCH mode (explicit proxy only)
 * @param systemLookups      whether names other than {@code localhost}, {@code *.localhost} and {@code *.test} may be
 *                           looked up with the system's resolver
 * @param lookupAdvice       the clause that ends the error for a refused lookup: how the user allows it
 * @param bodyLimit          bytes of each body to keep
 * @param upstreamInsecure   whether upstream certificates go unverified
 * @param upstreamTrust      extra roots for upstream servers
 * @param upstreamTrustFiles extra roots for upstream servers, as PEM files
 * @param passthrough        hosts whose TLS is relayed without decryption
 * @param workerThreads      the engine's worker threads; 0 for its default
 * @param tuning             applied to the engine's builder before the session's own wiring, which it cannot undo
 */
public record SessionOptions(CertificateAuthority ca, FlowStore flows, RuleSet rules,
                             Optional<RedirectorProvider> redirector, boolean systemLookups, String lookupAdvice,
                             int bodyLimit, boolean upstreamInsecure, List<X509Certificate> upstreamTrust,
                             List<Path> upstreamTrustFiles, List<String> passthrough, int workerThreads,
                             Consumer<ProxyEngine.Builder> tuning) {

    /** The engine's default body limit: 1 MiB. */
    public static final int DEFAULT_BODY_LIMIT = 1 << 20;

    public SessionOptions {
        Objects.requireNonNull(ca, "ca");
        Objects.requireNonNull(flows, "flows");
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(redirector, "redirector");
        Objects.requireNonNull(lookupAdvice, "lookupAdvice");
        Objects.requireNonNull(tuning, "tuning");
        upstreamTrust = List.copyOf(upstreamTrust);
        upstreamTrustFiles = List.copyOf(upstreamTrustFiles);
        passthrough = List.copyOf(passthrough);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects the options; every one has a default, so {@code builder().build()} is a LAUNCH-mode session. */
    public static final class Builder {

        private CertificateAuthority ca;
        private FlowStore flows;
        private FlowWindow flowWindow;
        private RuleSet rules;
        private RedirectorProvider redirector;
        private boolean systemLookups = true;
        private String lookupAdvice = "allow system lookups to reach other hosts";
        private int bodyLimit = DEFAULT_BODY_LIMIT;
        private boolean upstreamInsecure;
        private final List<X509Certificate> upstreamTrust = new ArrayList<>();
        private final List<Path> upstreamTrustFiles = new ArrayList<>();
        private final List<String> passthrough = new ArrayList<>();
        private int workerThreads;
        private Consumer<ProxyEngine.Builder> tuning = engine -> { };

        private Builder() {
        }

        /** Default: a fresh in-memory CA. */
        public Builder certificateAuthority(CertificateAuthority ca) {
            this.ca = Objects.requireNonNull(ca, "ca");
            return this;
        }

        /** Default: a new store with {@link #flowWindow the flow window}. */
        public Builder flows(FlowStore flows) {
            this.flows = Objects.requireNonNull(flows, "flows");
            return this;
        }

        /**
         * What the session's new store keeps in memory (default {@link FlowWindow#DEFAULT}: 10,000 flows or 64 MiB of
         * recorded bodies); older flows are evicted, so a long session stays flat. Not with {@link #flows}: a given
         * store has its own window.
         */
        public Builder flowWindow(FlowWindow window) {
            this.flowWindow = Objects.requireNonNull(window, "window");
            return this;
        }

        /** Default: an empty rule set. */
        public Builder rules(RuleSet rules) {
            this.rules = Objects.requireNonNull(rules, "rules");
            return this;
        }

        /** Intercepts transparently (OSPROXY) through {@code provider}: see {@link RedirectorChoice}. */
        public Builder redirector(RedirectorProvider provider) {
            this.redirector = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * Whether names other than the local ones may be looked up (default yes); when not, a refused lookup's error
         * ends with {@code advice}, such as "set apptap.resolve=system to let apps reach other hosts".
         */
        public Builder systemLookups(boolean allowed, String advice) {
            this.systemLookups = allowed;
            this.lookupAdvice = Objects.requireNonNull(advice, "advice");
            return this;
        }

        /** Bytes of each body to keep (default 1 MiB); the engine refuses a negative limit when the session starts. */
        public Builder bodyLimit(int bytes) {
            this.bodyLimit = bytes;
            return this;
        }

        public Builder upstreamInsecure(boolean insecure) {
            this.upstreamInsecure = insecure;
            return this;
        }

        public Builder upstreamTrust(List<X509Certificate> roots) {
            upstreamTrust.addAll(roots);
            return this;
        }

        /** Adds the certificates of a PEM file to the upstream roots; read when the session starts. */
        public Builder upstreamTrust(Path pemFile) {
            upstreamTrustFiles.add(Objects.requireNonNull(pemFile, "pemFile"));
            return this;
        }

        public Builder passthrough(List<String> hosts) {
            passthrough.addAll(hosts);
            return this;
        }

        public Builder workerThreads(int threads) {
            this.workerThreads = threads;
            return this;
        }

        /**
         * Any other engine setting (timeouts, header sizes). The session's own wiring (CA, flows, rules, resolver,
         * listeners) is applied after it, so the session stays coherent whatever it sets.
         */
        public Builder tuning(Consumer<ProxyEngine.Builder> tuning) {
            this.tuning = Objects.requireNonNull(tuning, "tuning");
            return this;
        }

        public SessionOptions build() {
            if (flows != null && flowWindow != null) {
                throw new IllegalStateException("SessionOptions got both a flow store and a flow window; give the"
                        + " window to the store (new FlowStore(window)) or leave the store out.");
            }
            return new SessionOptions(ca != null ? ca : CertificateAuthority.ephemeral(),
                    flows != null ? flows : new FlowStore(flowWindow != null ? flowWindow : FlowWindow.DEFAULT), rules != null ? rules : new RuleSet(),
                    Optional.ofNullable(redirector), systemLookups, lookupAdvice, bodyLimit, upstreamInsecure,
                    upstreamTrust, upstreamTrustFiles, passthrough, workerThreads, tuning);
        }
    }
}
