package dev.apptap.junit;

/**
 * Which processes OSPROXY may intercept at all, before the spec picks among them by name or pid.
 *
 * <pre>{@code
 * @InterceptApps("curl")                                          // curls this test JVM started (JVM, the default)
 * @InterceptApps(value = "nginx", scope = ProcessScope.MACHINE)   // a daemon the test did not start
 * }</pre>
 *
 * LAUNCH mode ignores it: there, only what {@link Apps} starts reaches apptap.
 */
public enum ProcessScope {

    /** Whatever {@code apptap.scope} says; {@link #JVM} when it says nothing. */
    DEFAULT,

    /**
     * The processes this test JVM started, and their descendants, however they were started ({@link Apps}, a
     * {@link ProcessBuilder}, a child of either). Surefire forks, modules built in parallel and CI jobs sharing a
     * machine then each get their own apps' traffic and nothing of the others', and tests in one JVM may run in
     * parallel (each sees the flows of the processes it started).
     */
    JVM,

    /**
     * Every process on the machine that the spec matches, as {@code apptap watch} does: for a daemon or an app the test
     * did not start. Another test JVM on the machine intercepting the same program competes for it (a connection goes
     * to the engine that attached first), and tests with this scope run alone in their JVM (they hold
     * {@value InterceptApps#OSPROXY_LOCK} exclusively).
     */
    MACHINE
}
