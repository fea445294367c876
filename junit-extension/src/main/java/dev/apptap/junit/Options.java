package dev.apptap.junit;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What an {@link InterceptApps} annotation or an {@link InterceptAppsExtension.Builder} declared, before the
 * configuration parameters fill the gaps ({@link InterceptMode#DEFAULT}, {@link HarPolicy#DEFAULT}, empty
 * optionals and a negative body limit mean "not declared").
 */
record Options(List<String> spec, InterceptMode mode, ProcessScope scope, boolean offline, int bodyLimit,
               boolean upstreamInsecure, HarPolicy har, List<Path> upstreamTrustFiles,
               List<X509Certificate> upstreamTrust, Optional<Duration> timeout, Optional<Path> harFile,
               Optional<Path> replay) {

    static final Options NONE = new Options(List.of(), InterceptMode.DEFAULT, ProcessScope.DEFAULT, false, -1, false,
            HarPolicy.DEFAULT, List.of(), List.of(), Optional.empty(), Optional.empty(), Optional.empty());

    Options {
        spec = List.copyOf(spec);
        upstreamTrustFiles = List.copyOf(upstreamTrustFiles);
        upstreamTrust = List.copyOf(upstreamTrust);
    }

    static Options of(InterceptApps annotation) {
        return new Options(List.of(annotation.value()), annotation.mode(), annotation.scope(), annotation.offline(),
                annotation.bodyLimit(), annotation.upstreamInsecure(), annotation.har(), List.of(), List.of(),
                Optional.empty(), path(annotation.harFile()), path(annotation.replay()));
    }

    private static Optional<Path> path(String file) {
        return file.isBlank() ? Optional.empty() : Optional.of(Path.of(file.strip()));
    }
}
