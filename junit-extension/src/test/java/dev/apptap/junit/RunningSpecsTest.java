package dev.apptap.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apptap.proxy.redirect.InterceptScope;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.Redirector;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/** The union of running tests' specs, as the JVM's one redirector gets it; the kernel side is ScopeTest's. */
class RunningSpecsTest {

    /** Records what it is told; a real redirector needs root and a kernel, and this is about what it is told. */
    static final class RecordingRedirector implements Redirector {
        final List<String> calls = new ArrayList<>();
        InterceptSpec spec = InterceptSpec.NOTHING;
        InterceptScope scope = InterceptScope.MACHINE;

        @Override
        public void intercept(InterceptSpec spec, InterceptScope scope) {
            this.spec = spec;
            this.scope = scope;
            calls.add(spec + " @ " + scope);
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
            return "recording";
        }

        @Override
        public void close() {
        }
    }

    private final RecordingRedirector redirector = new RecordingRedirector();
    private final RunningSpecs specs = new RunningSpecs(redirector);
    private final String jvm = Long.toString(ProcessHandle.current().pid());

    @Test
    void runningTestsSpecsAreUnitedAndEachEndTakesItsOwnOut() throws Exception {
        AutoCloseable curl = specs.add("A.curl", InterceptSpec.parse("curl"), ProcessScope.JVM);
        AutoCloseable python = specs.add("B.python", InterceptSpec.parse("python3,curl"), ProcessScope.JVM);
        curl.close();
        python.close();

        assertThat(redirector.calls).containsExactly("curl @ " + jvm, "curl,python3 @ " + jvm,
                "python3,curl @ " + jvm, " @ " + jvm);
    }

    @Test
    void aSpecWithExclusionsMeetingAnotherSpecIsAClearError() {
        specs.add("A.curl", InterceptSpec.parse("curl"), ProcessScope.JVM);

        assertThatThrownBy(() -> specs.add("B.notJava", InterceptSpec.parse("!java"), ProcessScope.JVM))
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageStartingWith("The OSPROXY test B.notJava cannot share this JVM's redirector with the tests"
                        + " running now (A.curl ('curl', jvm)): B.notJava has the spec '!java', whose exclusions cannot"
                        + " be combined with other specs.")
                .hasMessageContaining("@ResourceLock(InterceptApps.OSPROXY_LOCK)");
        assertThat(redirector.spec()).as("unchanged").isEqualTo(InterceptSpec.parse("curl"));
    }

    @Test
    void machineScopeBesideJvmScopeIsAClearError() {
        specs.add("A.curl", InterceptSpec.parse("curl"), ProcessScope.JVM);

        assertThatThrownBy(() -> specs.add("B.daemon", InterceptSpec.parse("nginx"), ProcessScope.MACHINE))
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("(A.curl ('curl', jvm)): B.daemon asks for machine scope and A.curl for jvm"
                        + " scope.");
    }

    @Test
    void testsWithTheSameExclusionSpecShareIt() throws Exception {
        specs.add("A.notJava", InterceptSpec.parse("!java"), ProcessScope.MACHINE);
        specs.add("B.notJava", InterceptSpec.parse("!java"), ProcessScope.MACHINE);

        assertThat(redirector.spec()).isEqualTo(InterceptSpec.parse("!java"));
        assertThat(redirector.scope()).isEqualTo(InterceptScope.MACHINE);
    }
}
