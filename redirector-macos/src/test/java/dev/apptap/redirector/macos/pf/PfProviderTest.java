package dev.apptap.redirector.macos.pf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class PfProviderTest {

    @Test
    void asksTheEngineToLeaveFromThePortsTheAnchorLetsOut() {
        assertThat(new PfProvider().upstreamSourcePorts()).contains(PfAnchor.RESERVED);
        assertThat(PfAnchor.rules(501, 1, 2)).contains("from any port " + PfAnchor.RESERVED.first() + ":"
                + PfAnchor.RESERVED.last());
    }

    @Test
    void saysItRunsOnlyOnMacos() {
        assumeFalse(System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("mac"), "this is a Mac");
        assertThat(new PfProvider().unavailableReason()).contains("The macos-pf redirector runs only on macOS.");
    }
}
