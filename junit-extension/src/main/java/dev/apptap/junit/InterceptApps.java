package dev.apptap.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Intercepts the HTTP(S) traffic of native apps around each test, records it, and injects what the test needs:
 * {@link dev.apptap.flow.Flows} (the flows that began during the test), {@link Apps} (a launcher whose
 * processes trust apptap's CA and, in LAUNCH mode, use its proxy), {@link Stubs} (answers and routes, removed when
 * the test ends) and {@link InterceptRuntime}.
 *
 * <pre>{@code
 * @InterceptApps("curl")
 * class LoginTest {
 *     @Test
 *     void logsIn(Apps apps, Flows flows) {
 *         AppResult curl = apps.run("curl", "-sS", "-d", "user=ann", "https://api.example.test/login");
 *         assertThat(curl.exitCode()).isZero();
 *         assertThat(flows.httpFlows()).singleElement()
 *                 .satisfies(f -> assertThat(f.request().path()).isEqualTo("/login"));
 *     }
 * }
 * }</pre>
 *
 * <p>On a method it overrides the class's annotation; on a class it also covers {@code @Nested} classes.
 * Attributes left at their defaults fall back to {@code apptap.*} configuration parameters
 * ({@code junit-platform.properties}), see the module README. OSPROXY tests hold the {@value #OSPROXY_LOCK}
 * resource lock: shared by tests whose spec only names programs or pids in JVM scope (they run in parallel, each
 * seeing the flows of the processes it started), exclusive for a spec with exclusions or {@link ProcessScope#MACHINE}
 * scope. LAUNCH tests hold no lock.
 * For the programmatic form see {@link InterceptAppsExtension#newInstance()}.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(InterceptAppsExtension.class)
@ResourceLock(providers = OsProxyLockProvider.class)
public @interface InterceptApps {

    /**
     * The resource lock every OSPROXY test holds (see above for which mode); put it on tests that must not overlap
     * with them.
     */
    String OSPROXY_LOCK = "dev.apptap.osproxy";

    /**
     * Offline mode is one switch of the shared engine: tests with {@code offline = true} hold this lock exclusively and
     * every other {@code @InterceptApps} test shares it, so no online test runs while an offline one does.
     */
    String OFFLINE_LOCK = "dev.apptap.offline";

    /**
     * Which processes to intercept in OSPROXY mode, in mitmproxy's grammar: names or pids, {@code !} excludes
     * ({@code "curl"}, {@code "!java"}); entries are joined with commas. Empty intercepts only apps started through
     * {@link Apps}. LAUNCH mode ignores it: there, what {@link Apps} starts is what is intercepted.
     */
    String[] value() default {};

    /** How traffic reaches apptap; default {@code apptap.mode}, else AUTO. */
    InterceptMode mode() default InterceptMode.DEFAULT;

    /**
     * Which processes OSPROXY may intercept: those this test JVM started ({@link ProcessScope#JVM}), or any on the
     * machine ({@link ProcessScope#MACHINE}, which runs alone); default {@code apptap.scope}, else JVM.
     */
    ProcessScope scope() default ProcessScope.DEFAULT;

    /**
     * Nothing leaves the machine: requests that no {@link Stubs stub} matches get a {@code 502} whose body names their
     * method and URL (the flow records a {@code NO_STUB_MATCHED} error and {@code OFFLINE} handling), and name
     * lookups stay local even where {@code apptap.resolve=system} allows others. {@code apptap.offline=true} turns it
     * on for every test. Offline tests hold {@value #OFFLINE_LOCK} exclusively, see there.
     */
    boolean offline() default false;

    /** How many bytes of each body to record; negative means the default (1 MiB). Bodies still travel whole. */
    int bodyLimit() default -1;

    /** Skips verifying upstream servers' certificates: for test servers with self-signed certificates only. */
    boolean upstreamInsecure() default false;

    /** When to write the test's flows to a HAR file; default {@code apptap.har}, else ON_FAILURE. */
    HarPolicy har() default HarPolicy.DEFAULT;

    /**
     * Also writes the flows to this HAR file (relative to the working directory, the module's under Maven), passed
     * or failed, to {@link #replay() replay} later: run once against the real servers, then switch to {@code replay}.
     * Every test of the run that names the same file adds its flows after the earlier ones'. Empty: none.
     */
    String harFile() default "";

    /**
     * Answers the apps from this HAR file instead of the network: apptap's own, a browser's or mitmproxy's
     * ({@code "src/test/resources/api.har"}). Requests match on method, URL and body; repeated requests get the
     * recorded responses in order, then the last again; a request the HAR does not hold gets a {@code 502} naming
     * the closest recorded ones, and nothing leaves the machine (see {@link dev.apptap.proxy.rules.Replay}). Stubs the
     * test adds win over the replay. Such tests hold {@value #OFFLINE_LOCK} exclusively, like offline ones.
     */
    String replay() default "";
}
