package dev.apptap.cli;

import dev.apptap.proxy.har.HarStream;
import dev.apptap.proxy.launch.LaunchEnvironment;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectorProvider;
import dev.apptap.proxy.session.InterceptionSession;
import dev.apptap.proxy.session.RedirectorChoice;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code apptap run [options] -- <command> [args…]}: runs the command intercepted, prints its flows as they complete
 * and a summary, and exits with the command's exit code.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        customSynopsis = "apptap run [options] -- <command> [args…]",
        description = {"Runs <command> with its HTTP(S) intercepted and prints each flow as it completes.",
                "OSPROXY (transparent, by process) where a redirector can run, else LAUNCH (HTTP(S)_PROXY variables)."})
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions options;

    @Option(names = "--intercept", paramLabel = "SPEC",
            description = "Which processes to intercept in OSPROXY mode, such as 'curl,wget' or '!java';"
                    + " default: the command and its descendants.")
    String intercept;

    @Option(names = "--mode", paramLabel = "osproxy|launch|auto", defaultValue = "auto",
            description = "How to intercept (default ${DEFAULT-VALUE}: OSPROXY when possible, else LAUNCH).")
    ModeChoice.Mode mode;

    @Option(names = "--redirector", paramLabel = "linux-ebpf|macos-ne|macos-pf",
            description = "Forces one OSPROXY redirector instead of the first usable one (as -Dapptap.redirector does).")
    String redirector;

    @Option(names = "--macos-redirector-app", paramLabel = "PATH",
            description = "The launcher of mitmproxy's macOS redirector app, for the macos-ne redirector (default:"
                    + " /Applications/Mitmproxy Redirector.app/Contents/MacOS/Mitmproxy Redirector).")
    Path macosRedirectorApp;

    @Parameters(arity = "1..*", paramLabel = "<command>", description = "The command to run, with its arguments.")
    List<String> command;

    @Override
    public Integer call() {
        InterceptSpec userSpec = userSpec();
        // Redirector providers read these where they are found (ServiceLoader), so the options travel as properties.
        if (redirector != null) {
            System.setProperty(RedirectorChoice.FORCE_PROPERTY, redirector);
        }
        if (macosRedirectorApp != null) {
            System.setProperty("apptap.macos.redirectorApp", macosRedirectorApp.toAbsolutePath().toString());
        }
        Map<String, String> base = System.getenv();
        Child.checkExists(command.get(0), base);
        ModeChoice choice = ModeChoice.decide(mode, mode == ModeChoice.Mode.LAUNCH ? List.of() : RedirectorProvider.installed());
        Terminal terminal = new Terminal(spec.commandLine().getOut(), spec.commandLine().getErr());
        try (InterceptionSession session = options.start(choice.provider())) {
            Optional<HarStream> har = options.openHar();
            FlowPrinter printer = new FlowPrinter(terminal, options, har);
            ChildOutput output = ChildOutput.decide();
            Process process;
            try (var registration = session.flows().addListener(printer)) {
                process = launch(session, choice, userSpec, terminal, base, output);
                output.pump(process, terminal);
                int exit = waitFor(process, printer, terminal);
                output.drain();
                output.freshLine().ifPresent(terminal::pad);
                new Ending(session, printer, terminal, options, har).finish(choice,
                        "apptap run -- " + String.join(" ", command),
                        exit == 0 ? Optional.empty() : Optional.of(command.get(0) + " exited with " + exit + "."));
                return exit;
            }
        }
    }

    private InterceptSpec userSpec() {
        if (intercept == null) {
            return null;
        }
        try {
            return InterceptSpec.parse(intercept);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), Sentences.clause(e.getMessage()));
        }
    }

    private Process launch(InterceptionSession session, ModeChoice choice, InterceptSpec userSpec,
                           Terminal terminal, Map<String, String> base, ChildOutput output) {
        String name = Path.of(command.get(0)).getFileName().toString();
        if (!choice.osProxy()) {
            terminal.info("apptap: LAUNCH mode (" + name + " gets HTTP(S)_PROXY and CA trust variables); "
                    + Sentences.sentence(choice.why()));
            if (userSpec != null) {
                terminal.info("apptap: --intercept applies to OSPROXY only; LAUNCH mode sees whatever honours the proxy"
                        + " variables.");
            }
            Map<String, String> env = LaunchEnvironment.merge(base,
                    LaunchEnvironment.proxy(session.explicitProxy(), session.trust()));
            return Child.start(command, env, output);
        }
        String via = "OSPROXY via " + choice.provider().get().name();
        Map<String, String> env = LaunchEnvironment.merge(base, LaunchEnvironment.trust(session.trust()));
        if (userSpec != null) {
            session.redirector().intercept(userSpec);
            terminal.info("apptap: intercepting '" + userSpec + "' transparently (" + via + "); " + name
                    + " gets the CA trust variables.");
            return Child.start(command, env, output);
        }
        terminal.info("apptap: intercepting " + name + " and its children transparently (" + via + ").");
        Child.Gated gated = Child.startGated(command, env, output);
        session.redirector().intercept(InterceptSpec.parse(Long.toString(gated.pid())));
        gated.open();
        return gated.process();
    }

    private static int waitFor(Process process, FlowPrinter printer, Terminal terminal) {
        try (Interrupts interrupts = Interrupts.deferTo(process);
             ProgressLine progress = ProgressLine.startIfTerminal(printer, terminal)) {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
            return 130;
        }
    }
}
