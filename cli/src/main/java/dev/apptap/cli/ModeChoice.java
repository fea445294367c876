package dev.apptap.cli;

import dev.apptap.proxy.redirect.RedirectorProvider;
import dev.apptap.proxy.session.RedirectorChoice;
import java.util.List;
import java.util.Optional;

/**
 * OSPROXY or LAUNCH, and why: the first thing {@code apptap run} tells the user, because a LAUNCH-mode run silently
 * misses apps that ignore proxy variables.
 *
 * @param provider the redirector to use (OSPROXY), or empty (LAUNCH)
 * @param why      for LAUNCH: the clause that says why OSPROXY is not used
 */
record ModeChoice(Optional<RedirectorProvider> provider, String why) {

    /** What {@code --mode} accepts. */
    enum Mode { AUTO, OSPROXY, LAUNCH }

    boolean osProxy() {
        return provider.isPresent();
    }

    static ModeChoice decide(Mode mode, List<RedirectorProvider> installed) {
        if (mode == Mode.LAUNCH) {
            return new ModeChoice(Optional.empty(), "--mode launch was asked for");
        }
        RedirectorChoice usable = RedirectorChoice.firstUsable(installed);
        if (usable.available()) {
            return new ModeChoice(usable.provider(), "");
        }
        String why = Sentences.clause(usable.reason());
        if (mode == Mode.OSPROXY) {
            throw new CliFailure(why + "; run without --mode osproxy to fall back to LAUNCH mode", Apptap.USAGE);
        }
        return new ModeChoice(Optional.empty(), why);
    }

    /** The sentence {@code watch} exits with when it cannot intercept. */
    static String unavailable(List<RedirectorProvider> installed) {
        ModeChoice choice = decide(Mode.AUTO, installed);
        return choice.why();
    }
}
