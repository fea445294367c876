package dev.apptap.junit;

/**
 * How apps' traffic reaches apptap during a test.
 *
 * <pre>{@code
 * @InterceptApps(value = "curl", mode = InterceptMode.LAUNCH)
 * }</pre>
 */
public enum InterceptMode {

    /** Whatever {@code apptap.mode} in {@code junit-platform.properties} says; {@link #AUTO} when it says nothing. */
    DEFAULT,

    /** {@link #OSPROXY} where a redirector is installed and usable, {@link #LAUNCH} otherwise; the report says which. */
    AUTO,

    /**
     * Transparent, OS-level interception of the processes the spec names, including apps the test did not start.
     * Needs a redirector module on the class path (such as {@code apptap-redirector-linux}) and its privileges;
     * tests are skipped with the reason when it is unavailable, or fail when {@code apptap.require=osproxy}.
     */
    OSPROXY,

    /**
     * Apps started through {@link Apps} get proxy and CA-trust environment variables. Needs no privileges and
     * works everywhere, but misses apps that ignore proxy variables. Tests in this mode see only their own
     * processes' flows, so they may run in parallel.
     */
    LAUNCH
}
