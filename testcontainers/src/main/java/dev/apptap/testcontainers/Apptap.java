package dev.apptap.testcontainers;

import dev.apptap.proxy.ca.CertificateAuthority;
import dev.apptap.proxy.ca.TrustExports;
import dev.apptap.proxy.launch.LaunchEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.MountableFile;

/**
 * Makes the apps in a Testcontainers container trust apptap's CA, without a rebuilt image: before the container starts,
 * apptap's trust files (the CA, a bundle of the operating system's roots plus the CA, a PKCS12 trust store, a hashed
 * certificate directory) are copied to {@value #CONTAINER_DIRECTORY}, and the container gets the same trust variables
 * as an app apptap launches ({@code SSL_CERT_FILE}, {@code CURL_CA_BUNDLE}, {@code REQUESTS_CA_BUNDLE},
 * {@code NODE_EXTRA_CA_CERTS}, {@code JAVA_TOOL_OPTIONS} with the trust store, ...), pointing there.
 *
 * <pre>{@code
 * @InterceptApps(value = "curl", scope = ProcessScope.MACHINE)   // a container's processes are not this JVM's children
 * @Testcontainers
 * class CatalogTest {
 *     @Container
 *     GenericContainer<?> app = Apptap.trusting(new GenericContainer<>("my-app:1.0"));
 *
 *     @Test
 *     void callsTheCatalog(Stubs stubs, Flows flows) throws Exception {
 *         stubs.on(get("https://catalog.example.test/items")).respond(respondJson(200, "[]"));
 *         app.execInContainer("curl", "-sS", "https://catalog.example.test/items");
 *         assertThat(flows).hasRequest(get("https://catalog.example.test/items"));
 *     }
 * }
 * }</pre>
 *
 * <p>Interception itself needs nothing from this class: on Linux, apptap's eBPF redirector (OSPROXY) catches the
 * container's processes by name and opens its listeners inside the container's network namespace. Where that route is
 * unavailable (no root), {@link #proxying} offers LAUNCH mode for a container instead.
 *
 * <p>The CA is the one {@code @InterceptApps} uses: the directory {@code apptap.ca.dir} names (a system property, or
 * an entry in {@code junit-platform.properties}), else the per-user CA in {@code ~/.apptap/}. Pass {@link TrustExports} explicitly for any other.
 */
public final class Apptap {

    /** Where the trust files go inside the container. */
    public static final String CONTAINER_DIRECTORY = "/apptap/trust";

    private static final String CA_DIR = "apptap.ca.dir";

    private Apptap() {
    }

    /** Prepares {@code container} to trust apptap's default CA; returns it, for use in a field initializer. */
    public static <T extends GenericContainer<?>> T trusting(T container) {
        return trusting(container, TrustExports.write(defaultCa()));
    }

    /** Prepares {@code container} to trust the CA whose files {@code trust} wrote. */
    public static <T extends GenericContainer<?>> T trusting(T container, TrustExports trust) {
        return prepare(container, trust, LaunchEnvironment.trust(trust));
    }

    /**
     * LAUNCH mode for a container, where the transparent route cannot work: entering a container's network namespace
     * needs root ({@code CAP_SYS_ADMIN}), so without root (or with only the {@code sudo -n} helper, which opens nothing
     * in other namespaces) apptap cannot listen there. The container shares the host's network instead, so apptap's
     * explicit proxy on {@code 127.0.0.1} is reachable and its traffic stays on loopback, and gets the proxy and trust
     * variables an app apptap launches gets. Apps that ignore proxy variables go direct.
     *
     * <pre>{@code
     * @Test
     * void viaTheProxy(InterceptRuntime apptap) throws Exception {
     *     try (GenericContainer<?> app = Apptap.proxying(new GenericContainer<>("my-app:1.0"), apptap.proxyAddress())) {
     *         app.start();
     *         app.execInContainer("curl", "-sS", "https://api.example.test/v1/items");
     *     }
     * }
     * }</pre>
     */
    public static <T extends GenericContainer<?>> T proxying(T container, InetSocketAddress proxy) {
        TrustExports trust = TrustExports.write(defaultCa());
        container.withNetworkMode("host");
        return prepare(container, trust, LaunchEnvironment.proxy(proxy, trust));
    }

    /** Copies the trust files in and sets {@code env} with the host's trust directory moved to the container's. */
    private static <T extends GenericContainer<?>> T prepare(T container, TrustExports trust, Map<String, String> env) {
        container.withCopyFileToContainer(MountableFile.forHostPath(trust.directory(), 0755), CONTAINER_DIRECTORY);
        containerEnvironment(trust, env).forEach(container::withEnv);
        return container;
    }

    static Map<String, String> containerEnvironment(TrustExports trust, Map<String, String> hostEnvironment) {
        String hostDirectory = trust.directory().toString();
        Map<String, String> env = new LinkedHashMap<>();
        hostEnvironment.forEach((name, value) -> env.put(name, value.replace(hostDirectory, CONTAINER_DIRECTORY)));
        return env;
    }

    /** As the JUnit extension chooses it: {@code apptap.ca.dir} from the system properties or junit-platform.properties. */
    private static CertificateAuthority defaultCa() {
        return Optional.ofNullable(System.getProperty(CA_DIR)).or(Apptap::caDirFromJunitProperties)
                .filter(dir -> !dir.isBlank() && !dir.equalsIgnoreCase("ephemeral"))
                .map(dir -> CertificateAuthority.loadOrCreate(Path.of(dir)))
                .orElseGet(CertificateAuthority::userDefault);
    }

    private static Optional<String> caDirFromJunitProperties() {
        try (InputStream in = Apptap.class.getClassLoader().getResourceAsStream("junit-platform.properties")) {
            if (in == null) {
                return Optional.empty();
            }
            Properties properties = new Properties();
            properties.load(in);
            return Optional.ofNullable(properties.getProperty(CA_DIR));
        } catch (IOException unreadable) {
            return Optional.empty();
        }
    }
}
