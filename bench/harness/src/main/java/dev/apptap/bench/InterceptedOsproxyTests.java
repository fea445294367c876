package dev.apptap.bench;

import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.InterceptMode;
import org.junit.jupiter.api.RepeatedTest;

/** The same 200 empty tests under {@code @InterceptApps("apptap-bench-nothing")} in OSPROXY mode (needs root). */
@InterceptApps(value = "apptap-bench-nothing", mode = InterceptMode.OSPROXY)
public class InterceptedOsproxyTests {

    @RepeatedTest(200)
    void empty() {
    }
}
