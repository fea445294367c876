package dev.apptap.proxy.redirect;

/**
 * A running redirector. Changing what it intercepts is cheap (a map update, not a reload), so tests swap
 * the spec around each test while the redirector lives for the whole JVM.
 *
 * <pre>{@code
 * redirector.intercept(InterceptSpec.parse("curl"), InterceptScope.thisJvm());
 * }</pre>
 */
public interface Redirector extends AutoCloseable {

    /**
     * Intercepts the processes in {@code scope} that {@code spec} matches (and their descendants) from their next
     * connection on. A connection another apptap engine on this machine already intercepts stays with that engine.
     */
    void intercept(InterceptSpec spec, InterceptScope scope);

    /** Intercepts what {@code spec} matches anywhere on the machine ({@link InterceptScope#MACHINE}). */
    default void intercept(InterceptSpec spec) {
        intercept(spec, InterceptScope.MACHINE);
    }

    /** What is intercepted now. */
    InterceptSpec spec();

    /** Where {@link #spec()} applies now. */
    InterceptScope scope();

    /** One line for reports: the mechanism and where it is attached. */
    String describe();

    /** Stops redirecting and undoes every change to the system. */
    @Override
    void close();
}
