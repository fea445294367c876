package dev.apptap.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apptap.proxy.rules.RuleSet;
import java.nio.charset.StandardCharsets;

/**
 * Any text as {@code --stub}: it parses into a stub that a rule set takes, or it is refused with an
 * {@link IllegalArgumentException} whose message is a sentence for the user (never a JDK fragment such as a
 * {@code NumberFormatException}'s). Seeds: {@code StubSpecFuzzTestInputs/}.
 */
class StubSpecFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void parsesOrRefusesWithASentence(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        StubSpec stub;
        try {
            stub = StubSpec.parse(text);
        } catch (IllegalArgumentException refused) {
            SpecContract.assertSentence(refused, "--stub");
            return;
        }
        assertThat(stub.action().describe()).startsWith("respond ");
        assertThat(stub.host()).isEqualTo(stub.host().strip());
        stub.addTo(new RuleSet());
    }
}
