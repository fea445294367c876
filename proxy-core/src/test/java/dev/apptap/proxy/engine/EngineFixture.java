package dev.apptap.proxy.engine;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.TrustExports;
import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.TcpFlow;
import dev.apptap.proxy.launch.LaunchEnvironment;
import dev.apptap.proxy.testing.TestPki;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * A running engine for end-to-end tests: an ephemeral CA, its trust files, upstream trust in the test PKI,
 * and a resolver that answers {@code *.test} and {@code localhost} with loopback so no lookup leaves the machine.
 */
final class EngineFixture implements AutoCloseable {

    static final CertificateAuthority CA = CertificateAuthority.ephemeral();

    final ProxyEngine engine;
    final TrustExports trust;

    private EngineFixture(ProxyEngine engine, TrustExports trust) {
        this.engine = engine;
        this.trust = trust;
    }

    static EngineFixture start(Path trustDir) {
        return start(trustDir, builder -> { });
    }

    static EngineFixture start(Path trustDir, Consumer<ProxyEngine.Builder> customize) {
        TrustExports trust = TrustExports.write(CA, trustDir);
        FlowStore flows = new FlowStore();
        ProxyEngine.Builder builder = ProxyEngine.builder()
                .certificateAuthority(CA)
                .flows(flows)
                .upstreamTrust(TestPki.get().caCertificate())
                .hostResolver(EngineFixture::loopbackOnly)
                .caFilesForMessages(trust);
        customize.accept(builder);
        return new EngineFixture(builder.start(), trust);
    }

    static InetAddress[] loopbackOnly(String host) throws UnknownHostException {
        if (host.equals("localhost") || host.endsWith(".test") && !host.startsWith("unknown")) {
            return new InetAddress[]{InetAddress.getByAddress(host, new byte[]{127, 0, 0, 1})};
        }
        throw new UnknownHostException(host + ": no such host is known to the test resolver");
    }

    /** Environment for an app that uses apptap as its proxy and trusts its CA. */
    Map<String, String> proxyEnvironment() {
        return LaunchEnvironment.proxy(engine.explicitAddress(), trust);
    }

    /** Environment for an app that only trusts apptap's CA (for transparent interception). */
    Map<String, String> trustEnvironment() {
        return LaunchEnvironment.trust(trust);
    }

    String proxyUrl() {
        InetSocketAddress a = engine.explicitAddress();
        return "http://" + a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    List<Flow> all() {
        return engine.flows().flows();
    }

    /** Waits until a complete HTTP flow matches, since the app may exit before the engine publishes the end. */
    HttpFlow awaitHttp(Predicate<HttpFlow> condition) {
        return (HttpFlow) awaitFlow(f -> f instanceof HttpFlow h && h.isComplete() && condition.test(h));
    }

    TcpFlow awaitTcp(Predicate<TcpFlow> condition) {
        return (TcpFlow) awaitFlow(f -> f instanceof TcpFlow t && t.isComplete() && condition.test(t));
    }

    Flow awaitFlow(Predicate<Flow> condition) {
        return Awaitility.await("a flow matching the condition; recorded: " + engine.flows().flows())
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> engine.flows().flows().stream().filter(condition).findFirst().orElse(null),
                        Objects::nonNull);
    }

    @Override
    public void close() {
        engine.close();
    }
}
