package dev.apptap.proxy.redirect;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A way to send chosen processes' connections to apptap's engine (OSPROXY mode), found at run time with
 * {@link ServiceLoader}: {@code redirector-linux} provides one for Linux, {@code redirector-macos} for macOS.
 *
 * Front ends do not start one themselves: the session package chooses the first usable provider and gives it the
 * engine's listeners and DNS responder, so a new redirector (macOS, containers) needs nothing but this interface.
 *
 * <pre>{@code
 * RedirectorChoice choice = RedirectorChoice.firstUsable(RedirectorProvider.installed());
 * SessionOptions.Builder options = SessionOptions.builder();
 * choice.provider().ifPresent(options::redirector);
 * try (InterceptionSession session = InterceptionSession.start(options.build())) {
 *     session.redirector().intercept(InterceptSpec.parse("curl"));
 *     ...
 * }
 * }</pre>
 */
public interface RedirectorProvider {

    /** A short name for reports: {@code linux-ebpf}. */
    String name();

    /**
     * Empty when this machine can run the redirector now; otherwise one sentence that says why not and how to
     * enable it ("OSPROXY needs root or passwordless sudo for apptap-redirector-helper; run the tests as root
     * or add a sudoers rule").
     */
    Optional<String> unavailableReason();

    /**
     * Starts redirecting, initially intercepting nothing. Everything it changes in the system is undone when
     * the returned redirector is closed or its owning JVM dies, even by {@code kill -9}.
     */
    Redirector start(RedirectTarget target) throws IOException;

    /**
     * Starts redirecting with the engine's {@linkplain ConnectionHandover door for connections} at hand, for
     * redirectors that accept apps' connections themselves (macOS's Network Extension); others ignore it.
     */
    default Redirector start(RedirectTarget target, ConnectionHandover handover) throws IOException {
        return start(target);
    }

    /**
     * The ports the engine's upstream connections must leave from, for a redirector that can tell them from apps'
     * connections only by their source port (macOS's pf); empty (the default) when any port will do.
     */
    default Optional<SourcePortRange> upstreamSourcePorts() {
        return Optional.empty();
    }

    /** Every provider on the class path. */
    static List<RedirectorProvider> installed() {
        List<RedirectorProvider> providers = new ArrayList<>();
        ServiceLoader.load(RedirectorProvider.class).forEach(providers::add);
        return providers;
    }
}
