package dev.apptap.junit;

import dev.apptap.proxy.session.RedirectorChoice;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * The mode a test runs in and why, in a sentence for the report.
 *
 * @param mode OSPROXY or LAUNCH
 */
record ModeChoice(InterceptMode mode, String reason) {

    /**
     * @throws ExtensionConfigurationException when OSPROXY is required ({@code apptap.require=osproxy}) or asked for
     *                                         and unavailable; the condition skips the latter before it gets here
     */
    static ModeChoice of(Settings settings, RedirectorChoice osProxy) {
        String redirector = osProxy.provider().map(p -> "the " + p.name() + " redirector").orElse("");
        if (settings.requireOsProxy() && !osProxy.available() && settings.mode() != InterceptMode.LAUNCH) {
            throw new ExtensionConfigurationException(Config.REQUIRE + "=osproxy is set, so this test fails instead"
                    + " of running in LAUNCH mode or being skipped. " + osProxy.reason());
        }
        return switch (settings.mode()) {
            case LAUNCH -> new ModeChoice(InterceptMode.LAUNCH, "LAUNCH mode was asked for.");
            case OSPROXY -> {
                if (!osProxy.available()) {
                    throw new ExtensionConfigurationException(osProxy.reason());
                }
                yield new ModeChoice(InterceptMode.OSPROXY, "OSPROXY mode was asked for; " + redirector + " serves it.");
            }
            case AUTO, DEFAULT -> osProxy.available()
                    ? new ModeChoice(InterceptMode.OSPROXY, "AUTO chose OSPROXY: " + redirector + " is available.")
                    : new ModeChoice(InterceptMode.LAUNCH, "AUTO chose LAUNCH. " + osProxy.reason());
        };
    }
}
