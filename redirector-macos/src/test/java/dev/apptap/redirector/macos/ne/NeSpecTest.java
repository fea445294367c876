package dev.apptap.redirector.macos.ne;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.proxy.redirect.InterceptSpec;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NeSpecTest {

    @Test
    void anchorsNamesAtAPathSeparatorAndExcludesApptapItself() {
        assertThat(NeSpec.actions(InterceptSpec.parse("curl,wget"), Set.of(4242L)))
                .containsExactly("/curl", "/wget", "!4242");
    }

    @Test
    void anAnchoredNameMissesLibrariesThatMerelyContainIt() {
        String action = NeSpec.actions(InterceptSpec.parse("curl"), Set.of()).get(0);
        assertThat("/usr/bin/curl").contains(action);
        assertThat("/opt/homebrew/bin/curl").contains(action);
        assertThat("/usr/libexec/libcurl-helper").doesNotContain(action);
    }

    @Test
    void keepsPidsAndExclusionsInOrder() {
        assertThat(NeSpec.actions(InterceptSpec.parse("!java,123"), Set.of(9L, 7L)))
                .containsExactly("!/java", "123", "!7", "!9");
    }

    @Test
    void neverSendsAnEmptySpec() {
        assertThat(NeSpec.actions(InterceptSpec.NOTHING, Set.of())).containsExactly(NeSpec.NEVER);
        assertThat(NeSpec.never(Set.of(42L))).containsExactly(NeSpec.NEVER, "!42");
    }
}
