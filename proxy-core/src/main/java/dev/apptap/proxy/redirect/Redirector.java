package dev.apptap.proxy.redirect;

/**
 * A running redirector. Changing what it intercepts is cheap (a map update, not a reload), so tests swap
 * the spec around each test while the redirector lives for the whole JVM.
 */
public interface Redirector extends AutoCloseable {

    /** Intercepts the processes {@code spec} matches (and their descendants) from their next connection on. */
    void intercept(InterceptSpec spec);

    /** What is intercepted now. */
    InterceptSpec spec();

    /** One line for reports: the mechanism and where it is attached. */
    String describe();

    /** Stops redirecting and undoes every change to the system. */
    @Override
    void close();
}
