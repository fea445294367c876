package dev.apptap.redirector.macos.pf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PfAnchorTest {

    @Test
    void redirectsTheUsersWebTrafficAndLetsApptapsReservedPortsOut() throws Exception {
        try (InputStream golden = getClass().getResourceAsStream("anchor-uid501.conf")) {
            assertThat(PfAnchor.rules(501, 18443, 18444))
                    .isEqualTo(new String(golden.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void translationRulesComeBeforeFilterRulesAsPfctlRequires() {
        String rules = PfAnchor.rules(501, 1, 2);
        assertThat(rules.lastIndexOf("rdr ")).isLessThan(rules.indexOf("pass out"));
        assertThat(rules.indexOf("pass out quick")).as("apptap's own connections pass before route-to catches them")
                .isLessThan(rules.indexOf("route-to"));
    }

    @Test
    void theReservedPortsLieBelowMacosEphemeralRange() {
        assertThat(PfAnchor.RESERVED.last()).isLessThan(49152);
        assertThat(PfAnchor.NAME).startsWith("com.apple/");
    }
}
