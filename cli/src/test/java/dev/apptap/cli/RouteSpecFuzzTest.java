package dev.apptap.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apptap.proxy.rules.RuleSet;
import java.nio.charset.StandardCharsets;

/**
 * Any text as {@code --route}: it parses into a route to a real port that a rule set takes, or it is refused with an
 * {@link IllegalArgumentException} whose message is a sentence for the user. Seeds: {@code RouteSpecFuzzTestInputs/}.
 */
class RouteSpecFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void parsesOrRefusesWithASentence(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        RouteSpec route;
        try {
            route = RouteSpec.parse(text);
        } catch (IllegalArgumentException refused) {
            SpecContract.assertSentence(refused, "--route");
            return;
        }
        assertThat(route.host()).as("the routed host").isNotBlank();
        assertThat(route.forward().host()).as("the target host").isNotBlank();
        assertThat(route.forward().port()).isBetween(1, 65535);
        route.port().ifPresent(port -> assertThat(port).isBetween(1, 65535));
        route.addTo(new RuleSet());
    }
}
