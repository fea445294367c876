package dev.apptap.redirector.macos.pf;

import dev.apptap.proxy.redirect.ConnectionHandover;
import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import dev.apptap.proxy.redirect.RedirectorProvider;
import dev.apptap.proxy.redirect.SourcePortRange;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code macos-pf}: OSPROXY on macOS CI runners, which have passwordless sudo but cannot approve a system extension.
 * pf redirects the user's TCP 80/443 to apptap, libproc names each connection's process and original destination, and
 * a root watchdog removes the anchor when the JVM dies.
 *
 * <p>pf cannot match a process, so the engine's own upstream connections leave from {@link PfAnchor#RESERVED}, which
 * the anchor lets out before it redirects the user's connections ({@link #upstreamSourcePorts()}).
 */
public final class PfProvider implements RedirectorProvider {

    @Override
    public String name() {
        return "macos-pf";
    }

    @Override
    public Optional<String> unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac")) {
            return Optional.of("The macos-pf redirector runs only on macOS.");
        }
        Optional<Pfctl> pfctl = Pfctl.find(System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        if (pfctl.isEmpty()) {
            return Optional.of("The macos-pf redirector needs sudo and pfctl, and this Mac has not both on PATH or in"
                    + " /sbin.");
        }
        return pfctl.get().unavailableReason();
    }

    @Override
    public Optional<SourcePortRange> upstreamSourcePorts() {
        return Optional.of(PfAnchor.RESERVED);
    }

    @Override
    public Redirector start(RedirectTarget target) throws IOException {
        throw new IOException("The macos-pf redirector hands connections to the engine itself, so it starts only"
                + " inside an InterceptionSession (which passes the engine's ConnectionHandover).");
    }

    @Override
    public Redirector start(RedirectTarget target, ConnectionHandover handover) throws IOException {
        Optional<String> why = unavailableReason();
        if (why.isPresent()) {
            throw new IOException(why.get());
        }
        Pfctl pfctl = Pfctl.find(System.getenv().getOrDefault("PATH", "/usr/bin:/bin")).orElseThrow();
        return PfRedirector.start(target, handover, pfctl, uid(), new LibProc());
    }

    private static long uid() throws IOException {
        Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
        String out = new String(id.getInputStream().readAllBytes()).strip();
        try {
            return Long.parseLong(out);
        } catch (NumberFormatException e) {
            throw new IOException("'id -u' printed '" + out + "', not a user id.", e);
        }
    }
}
