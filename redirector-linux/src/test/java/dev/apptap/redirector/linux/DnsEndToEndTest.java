package dev.apptap.redirector.linux;

import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.proxy.dns.DnsResponder;
import dev.apptap.proxy.dns.RuleSetDnsPolicy;
import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A name goes the whole way through apptap: curl asks the system resolver for {@code api.example.test} (no
 * {@code --resolve}), the redirector sends the query to apptap's real {@link DnsResponder}, whose
 * {@link RuleSetDnsPolicy} answers a pool address in 127.0.0.0/8, curl connects there, the redirector sends that
 * connection to the engine, and the engine answers from its stub.
 *
 * <p>The responder's upstream is a fake resolver on 127.0.0.1 that records what reaches it, so no query leaves the
 * machine even if the policy forwarded one. glibc sends the query only when the host has a non-loopback address
 * (AI_ADDRCONFIG) and {@code hosts:} in nsswitch.conf reaches {@code dns}; the test checks both first and skips with
 * a sentence otherwise, rather than passing without DNS.
 */
class DnsEndToEndTest {

    @TempDir
    Path dir;

    @Test
    void curlResolvesAStubbedNameThroughTheResponderAndReachesTheStub() throws Exception {
        RootOnly.assumeRoot();
        SystemResolver.assumeGlibcAsksDns();
        List<String> upstreamSaw = new CopyOnWriteArrayList<>();
        try (Harness h = new Harness(dir);
             DatagramSocket fakeUpstream = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            Thread recorder = new Thread(() -> {
                byte[] buffer = new byte[1500];
                while (!fakeUpstream.isClosed()) {
                    try {
                        DatagramPacket query = new DatagramPacket(buffer, buffer.length);
                        fakeUpstream.receive(query);
                        upstreamSaw.add(query.getLength() + " bytes from " + query.getSocketAddress());
                    } catch (Exception closed) {
                        return;
                    }
                }
            }, "fake-upstream");
            recorder.setDaemon(true);
            recorder.start();

            h.engine.rules().offline(true);
            h.engine.rules().on(get("https://api.example.test/v1/items")).respond(respond(200).withBody("stubbed items\n"));
            try (DnsResponder dns = responder(h, fakeUpstream)) {
                try (Redirector redirector = interceptCurl(h, dns)) {
                    FlowStore.Mark mark = h.engine.flows().mark();

                    Harness.Run curl = h.run(List.of("curl", "-sS", "--max-time", "20",
                            "--cacert", h.exports.caBundle().toString(), "https://api.example.test/v1/items"));

                    assertThat(curl.exit()).as("%s", curl).isZero();
                    assertThat(curl.out()).as("%s", curl).isEqualTo("stubbed items\n");
                    var mine = h.engine.flows().since(mark).fromPids(Set.of(curl.pid()));
                    DnsFlow lookup = mine.awaitFirst(DnsFlow.class,
                            f -> f.name().equals("api.example.test") && f.type().equals("A") && f.isComplete(),
                            Duration.ofSeconds(10));
                    assertThat(lookup.process().name()).isEqualTo("curl");
                    assertThat(lookup.resolution()).isEqualTo(DnsFlow.Resolution.STUBBED);
                    assertThat(lookup.rcode()).isEqualTo("NOERROR");
                    String address = dns.addressPool().addressOf("api.example.test").getHostAddress();
                    assertThat(lookup.answers()).containsExactly(address);
                    HttpFlow https = mine.awaitFirst(HttpFlow.class,
                            f -> f.request().path().equals("/v1/items") && f.isComplete(), Duration.ofSeconds(10));
                    assertThat(https.process().pid()).isEqualTo(curl.pid());
                    assertThat(https.server().host()).isEqualTo("api.example.test");
                    assertThat(https.server().port()).isEqualTo(443);
                    assertThat(https.server().address()).as("the original destination, from the pool")
                            .isIn(address, "");
                    assertThat(https.tls()).isPresent();
                }
            }
            assertThat(upstreamSaw).as("nothing was forwarded: offline answers every name").isEmpty();
        }
    }

    /**
     * DNS failure: the upstream resolver (a silent one on 127.0.0.1, so nothing leaves the machine) never answers.
     * curl fails at once with its own "could not resolve" error instead of hanging, and the DNS flow says which name,
     * which resolver and why.
     */
    @Test
    void curlFailsClearlyWhenTheUpstreamResolverNeverAnswersAndTheDnsFlowSaysWhy() throws Exception {
        RootOnly.assumeRoot();
        SystemResolver.assumeGlibcAsksDns();
        try (Harness h = new Harness(dir);
             DatagramSocket silentUpstream = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            try (DnsResponder dns = responder(h, silentUpstream)) {
                try (Redirector redirector = interceptCurl(h, dns)) {
                    FlowStore.Mark mark = h.engine.flows().mark();

                    Harness.Run curl = h.run(List.of("curl", "-sS", "--max-time", "30", "http://unanswered.test/"),
                            Duration.ofSeconds(60));

                    assertThat(curl.exit()).as("curl's 'could not resolve host', not a timeout: %s", curl).isEqualTo(6);
                    assertThat(curl.err()).contains("Could not resolve host: unanswered.test");
                    DnsFlow lookup = h.engine.flows().since(mark).fromPids(Set.of(curl.pid())).awaitFirst(DnsFlow.class,
                            f -> f.name().equals("unanswered.test") && f.isComplete(), Duration.ofSeconds(10));
                    assertThat(lookup.resolution()).isEqualTo(DnsFlow.Resolution.FAILED);
                    assertThat(lookup.rcode()).isEqualTo("SERVFAIL");
                    assertThat(lookup.error().orElseThrow().kind()).isEqualTo(FlowError.Kind.UPSTREAM_TIMEOUT);
                    assertThat(lookup.error().orElseThrow().message()).contains("unanswered.test")
                            .contains(String.valueOf(silentUpstream.getLocalPort()));
                }
            }
        }
    }

    /** apptap's responder over the engine's rules, forwarding what no rule answers to {@code upstream} (on loopback). */
    private static DnsResponder responder(Harness h, DatagramSocket upstream) throws Exception {
        return DnsResponder.builder(h.engine.flows())
                .policy(new RuleSetDnsPolicy(h.engine.rules()))
                .upstreamResolver((InetSocketAddress) upstream.getLocalSocketAddress())
                .upstreamTimeout(Duration.ofMillis(500))
                .start();
    }

    /** The redirector, sending curl's connections to the harness's engine and its DNS to {@code dns}. */
    private static Redirector interceptCurl(Harness h, DnsResponder dns) throws Exception {
        RedirectTarget target = new RedirectTarget(h.target().tcpIpv4(), h.target().tcpIpv6(),
                Optional.of(dns.address()), Set.of(ProcessHandle.current().pid()));
        Redirector redirector = new LinuxRedirectorProvider().start(target);
        redirector.intercept(InterceptSpec.parse("curl"));
        return redirector;
    }
}
