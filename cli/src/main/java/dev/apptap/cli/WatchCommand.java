package dev.apptap.cli;

import dev.apptap.proxy.har.HarStream;
import dev.apptap.proxy.redirect.InterceptSpec;
import dev.apptap.proxy.redirect.RedirectorProvider;
import dev.apptap.proxy.session.InterceptionSession;
import dev.apptap.proxy.launch.TrustAdvice;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code apptap watch <spec>}: intercepts running and future apps by name or pid until Ctrl-C. OSPROXY only, since
 * apps apptap did not start cannot be given proxy variables.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
        customSynopsis = "apptap watch [options] <spec>",
        description = {"Intercepts already running and future apps by name or pid (OSPROXY) until Ctrl-C.",
                "<spec>: comma-separated names or pids, '!' excludes: 'curl,wget', '4242', '!java'."})
final class WatchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions options;

    @Parameters(index = "0", paramLabel = "<spec>", description = "Which processes to intercept.")
    String interceptSpec;

    @Override
    public Integer call() throws InterruptedException {
        InterceptSpec parsed;
        try {
            parsed = InterceptSpec.parse(interceptSpec);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), Sentences.clause(e.getMessage()));
        }
        var installed = RedirectorProvider.installed();
        ModeChoice choice = ModeChoice.decide(ModeChoice.Mode.AUTO, installed);
        if (!choice.osProxy()) {
            throw new CliFailure("apptap watch needs OSPROXY, and " + Sentences.clause(choice.why())
                    + "; use apptap run -- <command> to intercept a command in LAUNCH mode", Apptap.USAGE);
        }
        Terminal terminal = new Terminal(spec.commandLine().getOut(), spec.commandLine().getErr());
        InterceptionSession session = options.start(choice.provider());
        Optional<HarStream> har = options.openHar();
        FlowPrinter printer = new FlowPrinter(terminal, options, har);
        session.flows().addListener(printer);
        CountDownLatch stopped = new CountDownLatch(1);
        // Ctrl-C ends the JVM; the hook still prints the summary, writes the HAR and detaches the redirector
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                new Ending(session, printer, terminal, options, har).finish(choice);
            } finally {
                session.close();
                stopped.countDown();
            }
        }, "apptap-watch-stop"));
        session.redirector().intercept(parsed);
        terminal.info("apptap: watching '" + parsed + "' transparently (OSPROXY via " + choice.provider().get().name()
                + ") until Ctrl-C. Apps must trust apptap's CA: run apptap ca install, or start them with "
                + TrustAdvice.settingFor("openssl", session.trust()) + ".");
        try (ProgressLine progress = ProgressLine.startIfTerminal(printer, terminal)) {
            stopped.await();
        }
        return 0;
    }
}
