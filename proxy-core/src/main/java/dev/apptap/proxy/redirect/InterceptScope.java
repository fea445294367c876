package dev.apptap.proxy.redirect;

import java.util.OptionalLong;

/**
 * Which processes a redirector may intercept at all, before the {@link InterceptSpec} picks among them: every process
 * on the machine, or one process (a test JVM) and its descendants. A spec names programs machine-wide, so two test
 * JVMs that both intercept {@code curl} would otherwise compete for every curl; scoped to themselves, each gets
 * exactly the curls it started.
 *
 * <pre>{@code
 * redirector.intercept(InterceptSpec.parse("curl"), InterceptScope.thisJvm()); // curls this JVM started, and theirs
 * redirector.intercept(InterceptSpec.parse("curl"), InterceptScope.MACHINE);   // every curl, as `apptap watch`
 * }</pre>
 *
 * <p>Descendants are followed from the moment the scope is set: a child forked later is in scope before it runs; one
 * that was reparented away (a daemon that double-forked) before that stays out.
 *
 * @param root the process whose descendants are in scope (it too), or empty for the whole machine
 */
public record InterceptScope(OptionalLong root) {

    /** Every process on the machine: for daemons and apps the caller did not start. */
    public static final InterceptScope MACHINE = new InterceptScope(OptionalLong.empty());

    public InterceptScope {
        if (root.isPresent() && root.getAsLong() <= 0) {
            throw new IllegalArgumentException("A scope's root must be a process id above 0, not " + root.getAsLong()
                    + ".");
        }
    }

    /** {@code pid} and the processes it starts, and theirs. */
    public static InterceptScope descendantsOf(long pid) {
        return new InterceptScope(OptionalLong.of(pid));
    }

    /** This JVM's descendants: what a test run started, and nothing another run started. */
    public static InterceptScope thisJvm() {
        return descendantsOf(ProcessHandle.current().pid());
    }

    public boolean machineWide() {
        return root.isEmpty();
    }

    /** {@code machine} or the root's pid: the form {@link #parse} reads (the sudo helper's protocol uses it). */
    @Override
    public String toString() {
        return root.isEmpty() ? "machine" : Long.toString(root.getAsLong());
    }

    /** Reads {@link #toString()}'s form. */
    public static InterceptScope parse(String text) {
        String value = text.trim();
        if (value.equals("machine")) {
            return MACHINE;
        }
        try {
            return descendantsOf(Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("A scope is 'machine' or a process id, not '" + text + "'.", e);
        }
    }
}
