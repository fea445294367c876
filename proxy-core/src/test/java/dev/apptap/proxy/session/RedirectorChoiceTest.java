package dev.apptap.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import dev.apptap.proxy.redirect.RedirectorProvider;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RedirectorChoiceTest {

    private static final RedirectorProvider NE = provider("macos-ne", "The extension is not approved.");
    private static final RedirectorProvider PF = provider("macos-pf", null);

    @AfterEach
    void clear() {
        System.clearProperty(RedirectorChoice.FORCE_PROPERTY);
    }

    @Test
    void choosesTheFirstUsableAndSaysWhyTheOthersWereNot() {
        assertThat(RedirectorChoice.firstUsable(List.of(NE, PF)).provider()).containsSame(PF);
        assertThat(RedirectorChoice.firstUsable(List.of(NE)).reason())
                .isEqualTo("OSPROXY is unavailable: macos-ne: The extension is not approved.");
    }

    @Test
    void aForcedRedirectorIsTheOnlyOneConsidered() {
        System.setProperty(RedirectorChoice.FORCE_PROPERTY, "macos-ne");
        RedirectorChoice choice = RedirectorChoice.firstUsable(List.of(NE, PF));
        assertThat(choice.available()).isFalse();
        assertThat(choice.reason()).isEqualTo("OSPROXY is unavailable: macos-ne was asked for, but it cannot run here:"
                + " The extension is not approved.");
    }

    @Test
    void aForcedRedirectorThatIsNotInstalledNamesItsArtifact() {
        assertThat(RedirectorChoice.named("macos-pf", List.of(provider("linux-ebpf", null))).reason())
                .isEqualTo("OSPROXY is unavailable: macos-pf was asked for, but only linux-ebpf is on the class path"
                        + " (add apptap-redirector-macos).");
        assertThat(RedirectorChoice.named("linux-ebpf", List.of(PF)).provider()).isEmpty();
        assertThat(RedirectorChoice.named("macos-pf", List.of(NE, PF)).provider()).containsSame(PF);
    }

    private static RedirectorProvider provider(String name, String unavailable) {
        return new RedirectorProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Optional<String> unavailableReason() {
                return Optional.ofNullable(unavailable);
            }

            @Override
            public Redirector start(RedirectTarget target) {
                throw new UnsupportedOperationException();
            }
        };
    }
}
