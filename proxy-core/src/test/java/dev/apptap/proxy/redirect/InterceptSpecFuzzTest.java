package dev.apptap.proxy.redirect;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Any text as an intercept spec: it parses, or it is refused with an {@link IllegalArgumentException} whose sentence
 * quotes the spec; a parsed spec prints back to itself. Seeds: {@code InterceptSpecFuzzTestInputs/}.
 */
class InterceptSpecFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void parsesOrRefusesWithASentenceAndRoundTrips(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        InterceptSpec spec;
        try {
            spec = InterceptSpec.parse(text);
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).startsWith("The intercept spec '" + text + "' ").endsWith(".");
            return;
        }
        InterceptSpec again = InterceptSpec.parse(spec.toString());
        assertThat(again).isEqualTo(spec);
        assertThat(again.toString()).isEqualTo(spec.toString());
        for (InterceptSpec.Item item : spec.items()) {
            assertThat(item.pid().isPresent() || !item.name().isEmpty()).as("an item names a pid or a process").isTrue();
        }
    }
}
