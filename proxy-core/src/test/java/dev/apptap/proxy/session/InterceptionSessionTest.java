package dev.apptap.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.launch.LaunchEnvironment;
import dev.apptap.proxy.redirect.InterceptScope;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import dev.apptap.proxy.redirect.RedirectorProvider;
import dev.apptap.proxy.testing.ClientResult;
import dev.apptap.proxy.testing.Clients;
import dev.apptap.proxy.testing.OriginServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The one composition root, with a real engine, real curl and a real local origin. */
class InterceptionSessionTest {

    @Test
    void launchSessionRelaysACurlRequestToATestNameAndRecordsIt() {
        Clients.assumeInstalled("curl");
        try (OriginServer origin = OriginServer.start();
             InterceptionSession session = InterceptionSession.start(SessionOptions.builder().build())) {
            ClientResult result = Clients.curl(LaunchEnvironment.proxy(session.explicitProxy(), session.trust()),
                    "-sS", origin.url("api.session.test", "/hello")).requireSuccess();

            assertThat(result.stdout()).contains(OriginServer.HELLO);
            assertThat(session.flows().flows()).singleElement().isInstanceOfSatisfying(HttpFlow.class,
                    flow -> assertThat(flow.request().url()).contains("api.session.test"));
            assertThat(session.transparentAddresses()).as("LAUNCH mode binds no transparent listener").isEmpty();
            assertThat(Files.isRegularFile(session.trust().caBundle())).isTrue();
        }
    }

    @Test
    void refusedLookupAnswers502AndNeverLeavesTheMachine() {
        Clients.assumeInstalled("curl");
        SessionOptions options = SessionOptions.builder()
                .systemLookups(false, "set apptap.resolve=system to let apps reach other hosts").build();
        try (InterceptionSession session = InterceptionSession.start(options)) {
            ClientResult result = Clients.curl(LaunchEnvironment.proxy(session.explicitProxy(), session.trust()),
                    "-sS", "-w", "%{http_code}", "http://elsewhere.example.com/x");

            assertThat(result.stdout()).endsWith("502").contains("could not resolve the host name elsewhere.example.com");
        }
    }

    @Test
    void localNamesAreLoopbackAndOtherNamesNeedSystemLookups() throws Exception {
        LocalNames refusing = new LocalNames(false, "add a --stub or --route for it");
        assertThat(refusing.resolve("api.example.test")[0].getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(refusing.resolve("LOCALHOST.")[0].getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(refusing.resolve("h7.bench.test")[0].getHostAddress()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> refusing.resolve("example.com")).isInstanceOf(UnknownHostException.class)
                .hasMessage("apptap resolves only localhost, *.localhost and *.test names here, not example.com;"
                        + " add a --stub or --route for it");
    }

    @Test
    void osProxySessionGivesTheRedirectorBothListenersItsDnsAndTheExplicitProxy() {
        RecordingProvider provider = new RecordingProvider(Optional.empty());
        try (InterceptionSession session = InterceptionSession.start(
                SessionOptions.builder().redirector(provider).build())) {
            assertThat(provider.target.get()).as("the redirector starts on first use").isNull();

            session.redirector().intercept(InterceptSpec.parse("curl"));

            RedirectTarget target = provider.target.get();
            List<InetSocketAddress> listeners = session.transparentAddresses();
            assertThat(target.tcpIpv4()).isEqualTo(listeners.get(0));
            assertThat(target.tcpIpv4().getAddress().isLoopbackAddress()).isTrue();
            assertThat(target.tcpIpv6()).isEqualTo(listeners.get(listeners.size() - 1));
            assertThat(target.dns()).isPresent();
            assertThat(target.dns().get().getAddress().isLoopbackAddress()).isTrue();
            assertThat(target.explicitProxy()).contains(session.explicitProxy());
            assertThat(target.excludedPids()).contains(ProcessHandle.current().pid());
            assertThat(session.redirector()).as("one redirector per session").isSameAs(provider.started.get(0));
            assertThat(session.redirectorDescription()).contains("recording redirector");
        }
        assertThat(provider.started.get(0).closed).isTrue();
    }

    @Test
    void launchSessionRefusesToRedirectWithASentence() {
        try (InterceptionSession session = InterceptionSession.start(SessionOptions.builder().build())) {
            assertThatThrownBy(session::redirector).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("LAUNCH mode");
        }
    }

    @Test
    void firstUsableRedirectorIsChosenElseEveryReasonIsGiven() {
        RecordingProvider unusable = new RecordingProvider(Optional.of("it needs root."));
        RecordingProvider usable = new RecordingProvider(Optional.empty());

        assertThat(RedirectorChoice.firstUsable(List.of(unusable, usable)).provider()).containsSame(usable);
        RedirectorChoice none = RedirectorChoice.firstUsable(List.of(unusable));
        assertThat(none.available()).isFalse();
        assertThat(none.reason()).isEqualTo("OSPROXY is unavailable: recording: it needs root.");
        assertThat(RedirectorChoice.firstUsable(List.of()).reason())
                .startsWith("OSPROXY is unavailable: no redirector for this platform is on the class path");
    }

    @Test
    void badBodyLimitIsRefusedWithASentence() {
        SessionOptions options = SessionOptions.builder().bodyLimit(-1).build();
        assertThatThrownBy(() -> InterceptionSession.start(options))
                .hasMessage("The body limit must be zero or more bytes, but was -1.");
    }

    /** Stands in for a kernel redirector, which proxy-core cannot load: it records what the session gives it. */
    private static final class RecordingProvider implements RedirectorProvider {
        final Optional<String> unavailable;
        final AtomicReference<RedirectTarget> target = new AtomicReference<>();
        final List<RecordingRedirector> started = new ArrayList<>();

        RecordingProvider(Optional<String> unavailable) {
            this.unavailable = unavailable;
        }

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public Optional<String> unavailableReason() {
            return unavailable;
        }

        @Override
        public Redirector start(RedirectTarget target) throws IOException {
            this.target.set(target);
            RecordingRedirector redirector = new RecordingRedirector();
            started.add(redirector);
            return redirector;
        }
    }

    private static final class RecordingRedirector implements Redirector {
        InterceptSpec spec = InterceptSpec.NOTHING;
        InterceptScope scope = InterceptScope.MACHINE;
        boolean closed;

        @Override
        public void intercept(InterceptSpec newSpec, InterceptScope newScope) {
            spec = newSpec;
            scope = newScope;
        }

        @Override
        public InterceptSpec spec() {
            return spec;
        }

        @Override
        public InterceptScope scope() {
            return scope;
        }

        @Override
        public String describe() {
            return "recording redirector";
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
