package dev.apptap.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.InvalidPathException;

/** What a refused command-line spec must look like: the user reads the message as the whole explanation. */
final class SpecContract {

    private SpecContract() {
    }

    /** {@code refused} carries a sentence of apptap's, not a JDK fragment that happens to be an IllegalArgumentException. */
    static void assertSentence(IllegalArgumentException refused, String option) {
        assertThat(refused).as("a JDK exception escaped the %s parser", option)
                .isNotInstanceOf(NumberFormatException.class)
                .isNotInstanceOf(InvalidPathException.class);
        assertThat(refused.getMessage()).as("the message for a refused %s", option).isNotBlank()
                .doesNotContain("Exception");
    }
}
