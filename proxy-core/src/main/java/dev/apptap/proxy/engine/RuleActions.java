package dev.apptap.proxy.engine;

import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.rules.Forward;
import dev.apptap.proxy.rules.RequestFacts;
import dev.apptap.proxy.rules.Respond;
import dev.apptap.proxy.rules.Rule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the relays need from the rules package, in their terms: request facts, stub bodies, route targets. */
final class RuleActions {

    private RuleActions() {
    }

    /** The facts a rule set decides on, from the request's URL and header fields (body added later if needed). */
    static RequestFacts facts(String method, String url,
                              Iterable<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> headers) {
        URI uri = URI.create(url);
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        for (Map.Entry<? extends CharSequence, ? extends CharSequence> field : headers) {
            String name = field.getKey().toString();
            if (!name.startsWith(":")) {
                fields.add(Map.entry(name, field.getValue().toString()));
            }
        }
        String host = uri.getHost() == null ? "" : uri.getHost();
        return RequestFacts.head(method, https ? "https" : "http", host, port,
                uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath(),
                uri.getRawQuery() == null ? "" : uri.getRawQuery(), fields);
    }

    /** The stub's body bytes; a file is read when the stub answers, so it may change between requests. */
    static byte[] body(Respond respond) {
        if (respond.content() instanceof Respond.Content.Inline inline) {
            return inline.bytes();
        }
        Respond.Content.FromFile file = (Respond.Content.FromFile) respond.content();
        try {
            return Files.readAllBytes(file.path());
        } catch (IOException e) {
            throw new UncheckedIOException("apptap could not read the stub body file " + file.path() + ": "
                    + e.getMessage() + "; check that it still exists.", e);
        }
    }

    /** Where a route sends the request, with the route's own TLS trust. */
    static UpstreamTarget target(Forward forward) {
        return new UpstreamTarget(forward.host(), forward.port(), null, forward.tls(),
                UpstreamTarget.only(forward.tls() ? "http/1.1" : ""), forward.trustedCertificates(), forward.isInsecure());
    }

    /** Runs {@code answer} on {@code loop} once the stub's delay has passed (at once when it has none). */
    static void afterDelay(io.netty.util.concurrent.EventExecutor loop, Respond stub, Runnable answer) {
        if (stub.delay().isZero()) {
            answer.run();
        } else {
            loop.schedule(answer, stub.delay().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    static HttpFlow.Handling handling(HttpFlow.Handling.Kind kind, Rule rule) {
        return new HttpFlow.Handling(kind, rule == null ? "" : rule.describe());
    }
}
