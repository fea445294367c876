package dev.apptap.redirector.macos.ne;

import dev.apptap.proxy.redirect.ConnectionHandover;
import dev.apptap.proxy.redirect.RedirectTarget;
import dev.apptap.proxy.redirect.Redirector;
import dev.apptap.proxy.redirect.RedirectorProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code macos-ne}: OSPROXY on a Mac through mitmproxy's signed Network Extension ("Mitmproxy Redirector.app", version
 * 2.x, approved once by the user). Usable when {@code systemextensionsctl list} shows it activated and enabled; the
 * system property {@value RedirectorApp#PROPERTY} points apptap at another launcher, on any operating system (tests
 * use a fake extension that speaks the same protocol).
 *
 * <pre>{@code
 * System.setProperty("apptap.macos.redirectorApp", "/path/to/fake-redirector");   // optional
 * SessionOptions options = SessionOptions.builder().redirector(new NetworkExtensionProvider()).build();
 * }</pre>
 */
public final class NetworkExtensionProvider implements RedirectorProvider {

    /** How long the extension gets to dial back after the launch: approval prompts make the first launch slow. */
    static final Duration CONTROL_WAIT = Duration.ofSeconds(30);
    private static final Path SYSTEMEXTENSIONSCTL = Path.of("/usr/bin/systemextensionsctl");

    @Override
    public String name() {
        return "macos-ne";
    }

    @Override
    public Optional<String> unavailableReason() {
        RedirectorApp app = RedirectorApp.configured();
        boolean mac = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac");
        if (!mac && app.isDefault()) {
            return Optional.of("The macos-ne redirector runs only on macOS (or with " + RedirectorApp.PROPERTY
                    + " pointing at a redirector app).");
        }
        if (!Files.isExecutable(app.executable())) {
            return Optional.of("The macos-ne redirector needs " + app.executable() + ", which is missing or not"
                    + " executable; " + (app.isDefault() ? ExtensionStatus.INSTALL : "fix " + RedirectorApp.PROPERTY)
                    + ".");
        }
        if (mac && Files.isExecutable(SYSTEMEXTENSIONSCTL)) {
            return systemExtensions().flatMap(ExtensionStatus::problem);
        }
        return Optional.empty();
    }

    private static Optional<String> systemExtensions() {
        try {
            Process list = new ProcessBuilder(SYSTEMEXTENSIONSCTL.toString(), "list").redirectErrorStream(true).start();
            list.getOutputStream().close();
            if (!list.waitFor(10, TimeUnit.SECONDS)) {
                list.destroyForcibly();
                return Optional.of("");
            }
            return Optional.of(new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.of("");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("");
        }
    }

    /** Needs the engine's door for connections: use {@link #start(RedirectTarget, ConnectionHandover)}. */
    @Override
    public Redirector start(RedirectTarget target) throws IOException {
        throw new IOException("The macos-ne redirector hands each flow to the engine itself, so it starts only inside"
                + " an InterceptionSession (which passes the engine's ConnectionHandover).");
    }

    @Override
    public Redirector start(RedirectTarget target, ConnectionHandover handover) throws IOException {
        return NeRedirector.start(target, handover, RedirectorApp.configured(), CONTROL_WAIT);
    }
}
