package dev.apptap.bench;

import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.InterceptMode;
import org.junit.jupiter.api.RepeatedTest;

/** The same 200 empty tests under {@code @InterceptApps} in LAUNCH mode. */
@InterceptApps(mode = InterceptMode.LAUNCH)
public class InterceptedLaunchTests {

    @RepeatedTest(200)
    void empty() {
    }
}
