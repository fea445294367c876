package dev.apptap.redirector.linux;

import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apptap.flow.ContainerInfo;
import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.har.HarWriter;
import dev.apptap.proxy.redirect.InterceptScope;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.session.InterceptionSession;
import dev.apptap.proxy.session.SessionOptions;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apps in Docker containers, intercepted transparently by name: busybox {@code wget} and a dynamically linked
 * {@code curl} on Docker's default bridge and on a user-defined network. Their connects are redirected to the engine's
 * listeners that apptap opened inside each container's own network namespace (the exec tracepoint holds the app until
 * they exist), their DNS is answered by apptap's responder inside the container, and only the engine, on the host,
 * talks upstream: to its stubs, or to a server on the host's loopback. Nothing leaves 127.0.0.0/8: every name is
 * stubbed (offline), and the containers' only other peer would be their own loopback.
 *
 * <p>Machine-wide scope: a container's processes are children of Docker's shim, not of this JVM.
 */
class ContainerInterceptionTest {

    private static final String NETWORK = "apptap-test-" + UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    static Path dir;
    static InterceptionSession session;
    static HttpServer hostServer;
    static final AtomicInteger hostHits = new AtomicInteger();
    static final List<String> containers = new ArrayList<>();

    @BeforeAll
    static void startDockerAndApptap() throws Exception {
        RootOnly.assumeRoot();
        Optional<String> noDocker = Docker.unavailableReason();
        assumeTrue(noDocker.isEmpty(), () -> noDocker.get());
        Docker.buildImages(dir);
        Docker.Result network = Docker.run(List.of("docker", "network", "create", NETWORK), 30);
        assertThat(network.exit()).as("%s", network).isZero();

        hostServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        hostServer.createContext("/", exchange -> {
            hostHits.incrementAndGet();
            byte[] body = "the host's loopback server answers\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        hostServer.start();

        session = InterceptionSession.start(SessionOptions.builder()
                .certificateAuthority(CertificateAuthority.ephemeral())
                .flows(new FlowStore())
                .redirector(new LinuxRedirectorProvider())
                .systemLookups(false, "stub it")
                .build());
        session.rules().offline(true);
        session.rules().on(get("http://api.example.test/v1/hello")).respond(respond(200).withBody("hello from the stub\n"));
        session.rules().on(get("https://api.example.test/v1/hello")).respond(respond(200).withBody("hello over TLS\n"));
        session.rules().on(get("http://origin.example.test/**"))
                .forwardTo("127.0.0.1", hostServer.getAddress().getPort());
        session.redirector().intercept(InterceptSpec.parse("wget,curl"), InterceptScope.MACHINE);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (session != null) {
            session.close();
        }
        if (hostServer != null) {
            hostServer.stop(0);
        }
        for (String name : containers) {
            Docker.run(List.of("docker", "rm", "-f", name), 30);
        }
        Docker.run(List.of("docker", "network", "rm", NETWORK), 30);
        Docker.removeImages();
    }

    @Test
    void busyboxWgetOnTheDefaultBridgeIsInterceptedAndItsNameAnsweredInsideTheContainer() throws Exception {
        FlowStore.Mark mark = session.flows().mark();
        String name = containerName();
        Docker.Result wget = docker(name, "bridge", Docker.BUSYBOX, "wget", "-q", "-O-",
                "http://api.example.test/v1/hello");

        assertThat(wget.out()).as("%s", wget).isEqualTo("hello from the stub\n");
        HttpFlow flow = session.flows().since(mark).awaitFirst(HttpFlow.class,
                f -> f.request().path().equals("/v1/hello") && f.isComplete(), Duration.ofSeconds(10));
        assertThat(flow.process().commandLine()).first().isEqualTo("wget"); // busybox's applet, named by its link
        ContainerInfo container = flow.process().container().orElseThrow();
        assertThat(container.name()).isEqualTo(name);
        assertThat(container.image()).isEqualTo(Docker.BUSYBOX);
        assertThat(container.id()).hasSize(64);
        assertThat(container.pid()).as("wget is the container's first process").isEqualTo(1);
        assertThat(flow.process().pid()).as("the pid on the host").isNotEqualTo(1);
        DnsFlow lookup = session.flows().since(mark).awaitFirst(DnsFlow.class,
                f -> f.name().equals("api.example.test") && f.type().equals("A") && f.isComplete(),
                Duration.ofSeconds(10));
        assertThat(lookup.answers()).singleElement().asString().startsWith("127.");
    }

    @Test
    void curlOnAUserDefinedNetworkHasItsHttpsDecrypted() throws Exception {
        FlowStore.Mark mark = session.flows().mark();
        String name = containerName();
        Docker.Result curl = docker(name, NETWORK, Docker.CURL, "curl", "-sS", "--cacert", "/apptap/ca.pem",
                "https://api.example.test/v1/hello");

        assertThat(curl.out()).as("%s", curl).isEqualTo("hello over TLS\n");
        HttpFlow flow = session.flows().since(mark).awaitFirst(HttpFlow.class,
                f -> f.request().path().equals("/v1/hello") && f.isComplete(), Duration.ofSeconds(10));
        assertThat(flow.process().name()).isEqualTo("curl");
        assertThat(flow.tls()).isPresent();
        Path har = dir.resolve("curl-in-a-container.har");
        HarWriter.write(List.of(flow), har);
        JsonNode process = new ObjectMapper().readTree(har.toFile()).path("log").path("entries").path(0).path("_process");
        assertThat(process.path("container").path("name").asText()).isEqualTo(name);
        assertThat(process.path("container").path("image").asText()).isEqualTo(Docker.CURL);
    }

    @Test
    void aContainerReachesAServerOnTheHostsLoopbackThroughTheEngine() throws Exception {
        int before = hostHits.get();
        Docker.Result wget = docker(containerName(), "bridge", Docker.BUSYBOX, "wget", "-q", "-O-",
                "http://origin.example.test/from-the-container");

        assertThat(wget.out()).as("%s", wget).isEqualTo("the host's loopback server answers\n");
        assertThat(hostHits.get()).isEqualTo(before + 1);
    }

    @Test
    void anUnmatchedContainerIsLeftAlone() throws Exception {
        FlowStore.Mark mark = session.flows().mark();
        int enginePort = session.transparentAddresses().get(0).getPort();
        // nc and netstat are not in the spec: nc's connect stays in the container, where nothing listens, and apptap
        // opened nothing there.
        String name = containerName();
        Docker.Result nc = docker(name, "bridge", Docker.BUSYBOX, "sh", "-c",
                "nc -w 2 127.0.0.1 " + hostServer.getAddress().getPort() + " </dev/null; echo nc=$?; netstat -ltn");

        assertThat(nc.out()).as("%s", nc).contains("nc=1").doesNotContain(":" + enginePort + " ");
        // Machine-wide, the engine may meet other runs' curls on a shared host; none of its flows is this container's.
        assertThat(session.flows().since(mark).flows()).filteredOn(
                f -> f.process().container().map(c -> c.name().equals(name)).orElse(false)).isEmpty();
    }

    private static String containerName() {
        String name = "apptap-test-" + UUID.randomUUID().toString().substring(0, 12);
        containers.add(name);
        return name;
    }

    /** Runs {@code command} in a new container of {@code image} on {@code network}, with apptap's CA at /apptap. */
    private static Docker.Result docker(String name, String network, String image, String... command)
            throws Exception {
        List<String> run = new ArrayList<>(List.of("docker", "run", "--rm", "--name", name, "--network", network,
                "-v", session.trust().caCertificate().toAbsolutePath() + ":/apptap/ca.pem:ro", image));
        run.addAll(List.of(command));
        return Docker.run(run, 60);
    }
}
