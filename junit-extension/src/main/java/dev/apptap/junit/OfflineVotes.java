package dev.apptap.junit;

import dev.apptap.proxy.rules.RuleSet;

/**
 * Offline mode of one shared engine, held by the tests that want it: the engine's rule set has one offline switch,
 * and a test that ends must not turn it off under another offline test still running.
 */
final class OfflineVotes {

    private final RuleSet rules;
    private int holders;
    /** What the switch was before the first hold, so that the last release puts it back rather than forcing it off. */
    private boolean before;

    OfflineVotes(RuleSet rules) {
        this.rules = rules;
    }

    synchronized void hold() {
        if (holders++ == 0) {
            before = rules.isOffline();
            rules.offline(true);
        }
    }

    synchronized void release() {
        if (holders == 0) {
            throw new IllegalStateException("apptap's offline mode was released more often than held.");
        }
        if (--holders == 0) {
            rules.offline(before);
        }
    }
}
