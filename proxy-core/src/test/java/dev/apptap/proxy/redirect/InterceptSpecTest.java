package dev.apptap.proxy.redirect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.apptap.flow.ProcessInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class InterceptSpecTest {

    @Test
    void includesOnlyTheNamedProcesses() {
        InterceptSpec spec = InterceptSpec.parse("curl, wget");

        assertThat(spec.matches(1, "curl", "curl")).isTrue();
        assertThat(spec.matches(2, "wget", "wget")).isTrue();
        assertThat(spec.matches(3, "python3", "python3")).isFalse();
    }

    @Test
    void startsFromEverythingWhenTheFirstItemExcludes() {
        assertThat(InterceptSpec.parse("!curl").matches(1, "node", "node")).isTrue();
        assertThat(InterceptSpec.parse("!curl").matches(1, "curl", "curl")).isFalse();
        assertThat(InterceptSpec.parse("!curl,wget").matches(1, "node", "node")).as("mitmproxy: everything but curl").isTrue();
        assertThat(InterceptSpec.parse("!foo,foo").matches(1, "foo", "foo")).as("order matters").isTrue();
        assertThat(InterceptSpec.parse("curl,!curl").matches(1, "curl", "curl")).isFalse();
    }

    @Test
    void matchesPidsAndNamesByExecutableOrKernelName() {
        assertThat(InterceptSpec.parse("4242").matches(4242, "x", "x")).isTrue();
        assertThat(InterceptSpec.parse("4242").matches(4243, "x", "x")).isFalse();
        assertThat(InterceptSpec.parse("java").matches(new ProcessInfo(7, "HttpClient-1-Wo", "/usr/lib/jvm/bin/java", List.of())))
                .as("a renamed Java thread still matches by its executable").isTrue();
    }

    @Test
    void emptySpecInterceptsNothingAndRoundTrips() {
        assertThat(InterceptSpec.parse("  ")).isEqualTo(InterceptSpec.NOTHING);
        assertThat(InterceptSpec.NOTHING.matches(1, "curl", "curl")).isFalse();
        for (String text : List.of("curl,wget", "!curl", "4242,!java", "")) {
            assertThat(InterceptSpec.parse(InterceptSpec.parse(text).toString())).isEqualTo(InterceptSpec.parse(text));
        }
        assertThat(InterceptSpec.parse(" curl , !wget ").toString()).isEqualTo("curl,!wget");
    }

    @Test
    void rejectsEmptyItemsAndPathsWithASentence() {
        assertThatIllegalArgumentException().isThrownBy(() -> InterceptSpec.parse("curl,,wget"))
                .withMessage("The intercept spec 'curl,,wget' has an empty item; write names or pids separated by commas,"
                        + " such as 'curl,wget' or '!java'.");
        assertThatIllegalArgumentException().isThrownBy(() -> InterceptSpec.parse("/usr/bin/curl"))
                .withMessageContaining("write 'curl' instead");
        assertThatIllegalArgumentException().isThrownBy(() -> InterceptSpec.parse("!"));
    }
}
