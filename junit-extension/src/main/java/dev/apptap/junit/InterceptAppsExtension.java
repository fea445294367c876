package dev.apptap.junit;

import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.FlowTimeoutException;
import dev.apptap.flow.Flows;
import dev.apptap.proxy.har.HarWriter;
import dev.apptap.proxy.redirect.RedirectorProvider;
import dev.apptap.proxy.session.RedirectorChoice;
import java.io.IOException;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The extension behind {@link InterceptApps}; register it yourself for the programmatic form, WireMock-style:
 *
 * <pre>{@code
 * class CurlTest {
 *     @RegisterExtension
 *     static InterceptAppsExtension apptap = InterceptAppsExtension.newInstance()
 *             .intercept("curl").mode(InterceptMode.LAUNCH).offline(true).build();
 *
 *     @Test
 *     void fetches() {
 *         AppResult curl = apptap.apps().run("curl", "-sS", "https://api.example.test/");
 *         assertThat(apptap.flows().httpFlows()).hasSize(1);
 *     }
 * }
 * }</pre>
 *
 * <p>The engine, its CA and the redirector start once per test run and are shared by every test; when the run ends
 * they are kept for the next run in the same JVM with the same settings, and closed when the JVM exits. Each test gets a window on the flows that began during it (in LAUNCH mode, only
 * those of processes it started), its own {@link Apps}, and OSPROXY's spec for its duration. When a test fails,
 * its flows go into the report as a table and into {@code target/apptap/<class>/<method>.har}, and every test's flows
 * go into {@code target/apptap/report.html}, which the failure links to; when an app refused
 * apptap's certificate, the failure message says which app, which host and how to fix it.
 *
 * <p>Use either {@link InterceptApps} or a registered instance on a test class: where both are present, the
 * registered instance's settings apply.
 */
public class InterceptAppsExtension implements ExecutionCondition, BeforeEachCallback, AfterTestExecutionCallback,
        AfterEachCallback, TestExecutionExceptionHandler, ParameterResolver {

    private static final Namespace NAMESPACE = Namespace.create(InterceptAppsExtension.class);
    private static final String SCOPE = "scope";

    /**
     * What each injectable type is made from; a per-test fixture is one more entry here (and, if it needs
     * cleaning up, a {@link TestScope#attach} call in its factory).
     */
    private static final Map<Class<?>, Function<TestScope, Object>> INJECTABLE = Map.of(
            Flows.class, TestScope::flows,
            Apps.class, TestScope::apps,
            Stubs.class, TestScope::stubs,
            InterceptRuntime.class, TestScope::runtime);

    /** Whether a class (or a class enclosing it) registers an instance itself; reflection once per class. */
    private static final Map<Class<?>, Boolean> REGISTERS_INSTANCE = new ConcurrentHashMap<>();

    /** The test each thread runs: JUnit runs a test's callbacks and body on one thread, even in parallel. */
    private final ThreadLocal<TestScope> current = new ThreadLocal<>();

    /** What the builder declared; null for the instance {@code @InterceptApps} registers. */
    private final Options declared;

    /** For {@code @ExtendWith} and {@link InterceptApps}; use {@link #newInstance()} to configure one in code. */
    public InterceptAppsExtension() {
        this(null);
    }

    private InterceptAppsExtension(Options declared) {
        this.declared = declared;
    }

    /** A builder for {@code @RegisterExtension}. */
    public static Builder newInstance() {
        return new Builder();
    }

    /** The current test's flows; see {@link #apps()} for when it may be called. */
    public Flows flows() {
        return currentScope("flows()").flows();
    }

    /**
     * The current test's launcher. Call it from the test (or {@code @BeforeEach}/{@code @AfterEach}) on the test's
     * thread: the extension is shared, so it finds the test by thread.
     */
    public Apps apps() {
        return currentScope("apps()").apps();
    }

    /** The current test's stubs and routes; see {@link #apps()} for when it may be called. */
    public Stubs stubs() {
        return currentScope("stubs()").stubs();
    }

    /** The current test's runtime: CA files, environment, proxy address, mode. */
    public InterceptRuntime runtime() {
        return currentScope("runtime()").runtime();
    }

    // ---- JUnit callbacks ----

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (context.getTestMethod().isEmpty() || stepsAside(context)) {
            return ConditionEvaluationResult.enabled("apptap decides per test method.");
        }
        // Only the mode matters here; the rest (trust files, say) may not exist until the test class initialises.
        Config config = new Config(context);
        Options options = declared != null ? declared : annotationOptions(context);
        InterceptMode mode = options.mode() != InterceptMode.DEFAULT ? options.mode() : config.mode();
        RedirectorChoice osProxy = osProxyAvailability();
        if (mode == InterceptMode.OSPROXY && !osProxy.available() && !config.requireOsProxy()) {
            return ConditionEvaluationResult.disabled(osProxy.reason() + " This test asks for OSPROXY mode, so it is"
                    + " skipped; set " + Config.REQUIRE + "=osproxy to make such tests fail instead.");
        }
        return ConditionEvaluationResult.enabled("apptap can intercept this test's apps.");
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (stepsAside(context)) {
            return;
        }
        Settings settings = settings(context);
        RedirectorChoice osProxy = osProxyAvailability();
        ModeChoice mode = ModeChoice.of(settings, osProxy);
        SharedEngine shared = sharedEngine(context, settings.engineKey(), osProxy);
        String test = context.getTestMethod().map(m -> m.getDeclaringClass().getSimpleName() + "." + m.getName())
                .orElse(context.getDisplayName());
        TestScope scope = TestScope.open(test, settings, mode, shared, osProxy);
        context.getStore(NAMESPACE).put(SCOPE, scope);
        current.set(scope);
        Map<String, String> entry = new LinkedHashMap<>();
        entry.put("apptap.mode", mode.mode().name());
        entry.put("apptap.mode.reason", mode.reason());
        context.publishReportEntry(entry);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        TestScope scope = scope(context);
        if (scope == null) {
            throw failure;
        }
        settle(scope, f -> f.error().map(e -> e.kind() == FlowError.Kind.CLIENT_REJECTED_CERTIFICATE).orElse(false),
                Duration.ofMillis(300));
        Optional<String> explanation = CertificateRejections.explain(scope.flowList(), scope.tracker(),
                scope.shared().trust());
        Throwable thrown = explanation.isPresent() ? new CertificateRejectedError(explanation.get(), failure) : failure;
        if (new Config(context).htmlReport()) {
            RunReport report = RunReport.of(context, scope.settings().reportDirectory());
            thrown.addSuppressed(new ReportLink(report.link(RunReport.name(context))));
        }
        throw thrown;
    }

    @Override
    public void afterTestExecution(ExtensionContext context) throws Exception {
        TestScope scope = scope(context);
        if (scope == null) {
            return;
        }
        boolean failed = context.getExecutionException().isPresent();
        HarPolicy har = scope.settings().har();
        boolean html = new Config(context).htmlReport();
        Optional<Path> harFile = scope.settings().harFile();
        if (!failed && har != HarPolicy.ALWAYS && harFile.isEmpty()) {
            if (html) {
                RunReport.of(context, scope.settings().reportDirectory())
                        .record(context, RunReport.name(context), Optional.empty(), scope.flowList());
            }
            return;
        }
        try {
            scope.flows().awaitAllComplete(Duration.ofSeconds(1));
        } catch (FlowTimeoutException stillRunning) {
            // The table marks them as still running, which is itself worth seeing.
        }
        List<Flow> flows = scope.flowList();
        if (failed) {
            context.publishReportEntry("apptap.flows", FlowTable.render(flows, scope.mode())
                    + FlowTable.unusedStubs(scope.stubs().unusedRules()));
        }
        if (html) {
            RunReport.of(context, scope.settings().reportDirectory())
                    .record(context, RunReport.name(context), context.getExecutionException(), flows);
        }
        if (harFile.isPresent()) {
            try {
                context.publishReportEntry("apptap.harFile", HarFiles.record(harFile.get(), flows).toString());
            } catch (IOException e) {
                context.publishReportEntry("apptap.harFile", HarFiles.notWritten(e));
            }
        }
        if (har == HarPolicy.ALWAYS || (har == HarPolicy.ON_FAILURE && failed)) {
            Path file = HarFiles.pathFor(scope.settings().reportDirectory(), context);
            try {
                HarWriter.write(flows, file);
            } catch (IOException e) {
                // The test's own outcome (and the flow table above) matter more than the HAR: report, don't fail.
                context.publishReportEntry("apptap.har", HarFiles.notWritten(e));
                return;
            }
            context.publishReportEntry("apptap.har", file.toAbsolutePath().toString());
            HarFiles.attach(context, file);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        TestScope scope = scope(context);
        current.remove();
        if (scope != null) {
            scope.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (stepsAside(context)) {
            return false;
        }
        // Types a user may plausibly expect here get an explanation instead of JUnit's generic "no resolver".
        return INJECTABLE.containsKey(type) || type.getPackageName().equals(Flow.class.getPackageName());
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        Function<TestScope, Object> factory = INJECTABLE.get(type);
        if (factory == null) {
            throw new ParameterResolutionException("Can only resolve @InterceptApps parameters of type "
                    + Flows.class.getName() + ", " + Apps.class.getName() + ", " + Stubs.class.getName() + " or "
                    + InterceptRuntime.class.getName()
                    + " but was: " + type.getName() + ". Inject Flows to read the test's flows.");
        }
        TestScope scope = scope(context);
        if (scope == null) {
            throw new ParameterResolutionException("Can only resolve @InterceptApps parameter of type "
                    + type.getName() + " in test methods and @BeforeEach or @AfterEach methods, but was: "
                    + parameter.getDeclaringExecutable() + ".");
        }
        return factory.apply(scope);
    }

    // ---- internals ----

    /** Package-private so that tests can pretend a redirector exists or not. */
    RedirectorChoice osProxyAvailability() {
        return ProbedOnce.CHOICE;
    }

    /** Probing may run {@code sudo -n}, so it happens once per JVM, when first needed. */
    private static final class ProbedOnce {
        static final RedirectorChoice CHOICE = RedirectorChoice.firstUsable(RedirectorProvider.installed());
    }

    private Settings settings(ExtensionContext context) {
        return Settings.resolve(declared != null ? declared : annotationOptions(context), new Config(context));
    }

    /** The nearest {@code @InterceptApps}: the method's, else its class's (and superclasses'), else enclosing classes'. */
    private static Options annotationOptions(ExtensionContext context) {
        for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
            Optional<AnnotatedElement> element = c.get().getElement();
            if (element.isPresent()) {
                Optional<InterceptApps> annotation = AnnotationSupport.findAnnotation(element.get(), InterceptApps.class);
                if (annotation.isPresent()) {
                    return Options.of(annotation.get());
                }
            }
        }
        return Options.NONE;
    }

    @SuppressWarnings("deprecation") // getOrComputeIfAbsent: computeIfAbsent arrived in 5.13, and 5.12 is supported
    private static SharedEngine sharedEngine(ExtensionContext context, EngineKey key, RedirectorChoice osProxy) {
        // The root store computes each key once even when tests start in parallel.
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(key, k -> SharedEngine.obtain(k, osProxy), SharedEngine.class);
    }

    private static TestScope scope(ExtensionContext context) {
        return context.getStore(NAMESPACE).get(SCOPE, TestScope.class);
    }

    private TestScope currentScope(String method) {
        TestScope scope = current.get();
        if (scope == null) {
            throw new IllegalStateException("InterceptAppsExtension." + method + " is available only while a test"
                    + " runs (in the test method, @BeforeEach or @AfterEach), on the test's thread.");
        }
        return scope;
    }

    /** The instance {@code @InterceptApps} registered defers to one the test class registered itself. */
    private boolean stepsAside(ExtensionContext context) {
        if (declared != null) {
            return false;
        }
        for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
            Optional<Class<?>> testClass = c.get().getTestClass();
            if (testClass.isPresent() && REGISTERS_INSTANCE.computeIfAbsent(testClass.get(),
                    InterceptAppsExtension::registersInstance)) {
                return true;
            }
        }
        return false;
    }

    private static boolean registersInstance(Class<?> testClass) {
        List<Field> fields = AnnotationSupport.findAnnotatedFields(testClass, RegisterExtension.class);
        return fields.stream().anyMatch(f -> InterceptAppsExtension.class.isAssignableFrom(f.getType()));
    }

    /** Flows arrive a moment after the app saw the outcome; a failure report should not miss them. */
    private static void settle(TestScope scope, Predicate<Flow> condition, Duration upTo) {
        try {
            scope.flows().awaitFirst("the flow that explains the failure", condition, upTo);
        } catch (FlowTimeoutException none) {
            // Nothing to explain.
        }
    }

    /** Configures an {@link InterceptAppsExtension} for {@code @RegisterExtension}; unset values come from configuration. */
    public static final class Builder {

        private final List<String> spec = new ArrayList<>();
        private InterceptMode mode = InterceptMode.DEFAULT;
        private ProcessScope scope = ProcessScope.DEFAULT;
        private boolean offline;
        private int bodyLimit = -1;
        private boolean upstreamInsecure;
        private HarPolicy har = HarPolicy.DEFAULT;
        private final List<Path> upstreamTrustFiles = new ArrayList<>();
        private final List<X509Certificate> upstreamTrust = new ArrayList<>();
        private Duration timeout;
        private Path harFile;
        private Path replay;

        private Builder() {
        }

        /** Which processes OSPROXY intercepts, in mitmproxy's grammar ({@code "curl"}, {@code "!java"}); see {@link InterceptApps#value()}. */
        public Builder intercept(String... items) {
            spec.addAll(List.of(items));
            return this;
        }

        public Builder mode(InterceptMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** See {@link InterceptApps#scope()}. */
        public Builder scope(ProcessScope scope) {
            this.scope = Objects.requireNonNull(scope, "scope");
            return this;
        }

        /** See {@link InterceptApps#offline()}. */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /** How many bytes of each body to record (default 1 MiB). */
        public Builder bodyLimit(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("The body limit must be zero or more bytes, but was " + bytes + ".");
            }
            this.bodyLimit = bytes;
            return this;
        }

        public Builder upstreamInsecure(boolean insecure) {
            this.upstreamInsecure = insecure;
            return this;
        }

        public Builder har(HarPolicy har) {
            this.har = Objects.requireNonNull(har, "har");
            return this;
        }

        /** Trusts the roots in this PEM file for upstream servers (a local HTTPS origin's CA), besides the usual ones. */
        public Builder upstreamTrust(Path pemFile) {
            if (!Files.isRegularFile(pemFile)) {
                throw new IllegalArgumentException("The upstream trust file " + pemFile.toAbsolutePath()
                        + " does not exist; give a PEM file with the origin's CA certificate.");
            }
            upstreamTrustFiles.add(pemFile);
            return this;
        }

        /** Trusts these roots for upstream servers, besides the usual ones. */
        public Builder upstreamTrust(X509Certificate... roots) {
            upstreamTrust.addAll(List.of(roots));
            return this;
        }

        /** See {@link InterceptApps#harFile()}. */
        public Builder harFile(Path file) {
            this.harFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /** See {@link InterceptApps#replay()}. */
        public Builder replay(Path har) {
            this.replay = Objects.requireNonNull(har, "har");
            return this;
        }

        /** The default wait for apps and assertions, instead of {@code apptap.timeout}. */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public InterceptAppsExtension build() {
            return new InterceptAppsExtension(new Options(spec, mode, scope, offline, bodyLimit, upstreamInsecure, har,
                    upstreamTrustFiles, upstreamTrust, Optional.ofNullable(timeout), Optional.ofNullable(harFile),
                    Optional.ofNullable(replay)));
        }
    }
}
