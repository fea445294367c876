package dev.apptap.cli;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.TrustExports;
import dev.apptap.proxy.dns.DnsAnswer;
import dev.apptap.proxy.dns.DnsPolicy;
import dev.apptap.proxy.dns.DnsResponder;
import dev.apptap.proxy.engine.ProxyEngine;
import dev.apptap.proxy.flow.FlowStore;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import dev.apptap.proxy.redirect.RedirectorProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Everything one CLI run holds: the CA and its trust files, the engine, and in OSPROXY mode the DNS responder and
 * the redirector. Closing it undoes every change to the system; the redirector goes first, so that no app is sent
 * to an engine that no longer listens.
 */
final class Session implements AutoCloseable {

    private final TrustExports trust;
    private final ProxyEngine engine;
    private final DnsResponder dns;
    private final Redirector redirector;
    private boolean closed;

    private Session(TrustExports trust, ProxyEngine engine, DnsResponder dns, Redirector redirector) {
        this.trust = trust;
        this.engine = engine;
        this.dns = dns;
        this.redirector = redirector;
    }

    static Session start(EngineOptions options, Optional<RedirectorProvider> osProxy) {
        CertificateAuthority ca = CaDirOption.load(options.caDir);
        TrustExports trust = TrustExports.write(ca);
        FlowStore flows = new FlowStore();
        ProxyEngine engine = startEngine(options, ca, trust, flows, osProxy.isPresent());
        if (osProxy.isEmpty()) {
            return new Session(trust, engine, null, null);
        }
        DnsResponder dns = null;
        try {
            dns = DnsResponder.builder(flows).policy(dnsPolicy(options)).start();
            List<InetSocketAddress> listeners = engine.transparentAddresses();
            RedirectTarget target = new RedirectTarget(listeners.get(0), listeners.get(listeners.size() - 1),
                    Optional.of(dns.address()), Set.of(ProcessHandle.current().pid()));
            Redirector redirector = osProxy.get().start(target);
            return new Session(trust, engine, dns, redirector);
        } catch (IOException | RuntimeException e) {
            if (dns != null) {
                dns.close();
            }
            engine.close();
            throw new CliFailure("apptap could not start the " + osProxy.get().name() + " redirector: "
                    + Sentences.clause(e.getMessage()) + "; run with --mode launch to go without it", Apptap.FAILED);
        }
    }

    private static ProxyEngine startEngine(EngineOptions options, CertificateAuthority ca, TrustExports trust,
                                           FlowStore flows, boolean transparent) {
        if (!transparent) {
            return builder(options, ca, trust, flows).start();
        }
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try {
            // apps that connect over IPv6 are sent to ::1
            return builder(options, ca, trust, flows).transparentListener(v4)
                    .transparentListener(new InetSocketAddress("::1", 0)).start();
        } catch (IllegalStateException e) {
            // a host without IPv6 loopback: the redirector sends IPv6 apps to the IPv4 listener's twin, which fails
            // those connections visibly rather than the whole run
            return builder(options, ca, trust, flows).transparentListener(v4).start();
        }
    }

    private static ProxyEngine.Builder builder(EngineOptions options, CertificateAuthority ca, TrustExports trust,
                                               FlowStore flows) {
        ProxyEngine.Builder builder = ProxyEngine.builder()
                .certificateAuthority(ca)
                .flows(flows)
                .rules(options.rules())
                .bodyLimit(options.bodyLimit)
                .upstreamInsecure(options.upstreamInsecure)
                .hostResolver(new LocalNames(options.offline))
                .caFilesForMessages(trust.caCertificate(), trust.caBundle());
        if (options.upstreamTrust != null) {
            builder.upstreamTrust(options.upstreamTrust);
        }
        return builder;
    }

    /** Local and stubbed names are answered here, so they never reach a DNS server; offline, every name is. */
    private static DnsPolicy dnsPolicy(EngineOptions options) {
        Set<String> stubbed = options.ruleHosts();
        InetAddress loopback = LocalNames.loopback();
        return (name, type) -> {
            if (LocalNames.isLocal(name)) {
                return Optional.of(DnsAnswer.stubbed(loopback));
            }
            if (options.offline) {
                return Optional.of(DnsAnswer.offline());
            }
            return stubbed.contains(name.toLowerCase(java.util.Locale.ROOT))
                    ? Optional.of(DnsAnswer.stubbed()) : Optional.empty();
        };
    }

    TrustExports trust() {
        return trust;
    }

    ProxyEngine engine() {
        return engine;
    }

    FlowStore flows() {
        return engine.flows();
    }

    Optional<Redirector> redirector() {
        return Optional.ofNullable(redirector);
    }

    /** Starts intercepting {@code spec}; OSPROXY only. */
    void intercept(InterceptSpec spec) {
        redirector.intercept(spec);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (redirector != null) {
                redirector.close();
            }
        } finally {
            if (dns != null) {
                dns.close();
            }
            engine.close();
        }
    }
}
