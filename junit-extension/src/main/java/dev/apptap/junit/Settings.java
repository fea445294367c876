package dev.apptap.junit;

import dev.apptap.proxy.ca.Pem;
import dev.apptap.proxy.redirect.InterceptSpec;
import java.io.UncheckedIOException;
import dev.apptap.proxy.rules.Replay;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * The settings in effect for one test: what was declared, completed by the configuration parameters.
 *
 * @param mode  the requested mode: AUTO, OSPROXY or LAUNCH (never DEFAULT)
 * @param scope JVM or MACHINE (never DEFAULT)
 */
record Settings(InterceptSpec spec, InterceptMode mode, ProcessScope scope, boolean offline, HarPolicy har,
                boolean requireOsProxy, Duration timeout, Path reportDirectory, EngineKey engineKey,
                Optional<Path> harFile, Optional<Replay> replay) {

    /** One MiB, as proxy-core records by default. */
    static final int DEFAULT_BODY_LIMIT = 1 << 20;

    static Settings resolve(Options declared, Config config) {
        InterceptSpec spec;
        try {
            spec = InterceptSpec.parse(String.join(",", declared.spec()));
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException(e.getMessage(), e);
        }
        InterceptMode mode = declared.mode() != InterceptMode.DEFAULT ? declared.mode() : config.mode();
        ProcessScope scope = declared.scope() != ProcessScope.DEFAULT ? declared.scope() : config.scope();
        HarPolicy har = declared.har() != HarPolicy.DEFAULT ? declared.har() : config.har();
        boolean offline = declared.offline() || config.offline();
        List<X509Certificate> trust = new ArrayList<>(declared.upstreamTrust());
        for (Path file : declared.upstreamTrustFiles()) {
            trust.addAll(readPem(file, "an upstreamTrust file"));
        }
        for (Path file : config.upstreamTrust()) {
            trust.addAll(readPem(file, "the configuration parameter " + Config.UPSTREAM_TRUST));
        }
        EngineKey key = new EngineKey(config.caDirectory(),
                declared.bodyLimit() >= 0 ? declared.bodyLimit() : DEFAULT_BODY_LIMIT,
                declared.upstreamInsecure(), trust, config.systemLookups() && !offline, config.flowWindow());
        Optional<Replay> replay;
        try {
            replay = declared.replay().map(Replay::of);
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException(e.getMessage(), e);
        }
        return new Settings(spec, mode, scope, offline, har, config.requireOsProxy(),
                declared.timeout().orElseGet(config::timeout), config.reportDirectory(), key, declared.harFile(),
                replay);
    }

    private static List<X509Certificate> readPem(Path file, String source) {
        try {
            return Pem.readCertificates(file, "the upstream trust file " + file.toAbsolutePath() + " (from " + source + ")");
        } catch (UncheckedIOException | IllegalArgumentException e) {
            throw new ExtensionConfigurationException(e.getMessage(), e);
        }
    }
}
