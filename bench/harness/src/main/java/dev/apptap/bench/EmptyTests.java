package dev.apptap.bench;

import org.junit.jupiter.api.RepeatedTest;

/** 200 empty tests, no apptap: the baseline for {@link PerTestCost}. */
public class EmptyTests {

    @RepeatedTest(200)
    void empty() {
    }
}
