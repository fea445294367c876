package dev.apptap.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionStrategy;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code apptap} command line: {@code run} a command intercepted, {@code watch} running apps, manage the
 * {@code ca}, print a shell {@code completion} script. Exit codes: the command's own for {@code run}, 2 for bad usage, 1 when apptap itself failed.
 *
 * <pre>{@code
 * int exit = Apptap.commandLine().execute("run", "--offline", "--stub", "GET https://api.example.test/ 200 hi",
 *         "--", "curl", "-sS", "https://api.example.test/");
 * }</pre>
 */
@Command(name = "apptap", mixinStandardHelpOptions = true, versionProvider = Apptap.Version.class,
        customSynopsis = "apptap (run|watch|ca|completion) [options] …",
        description = "Intercepts native apps' HTTP(S), prints every exchange and writes HAR files.",
        subcommands = {RunCommand.class, WatchCommand.class, CaCommand.class, CompletionCommand.class})
public final class Apptap implements Runnable {

    /** Exit code for bad usage, as in most Unix tools. */
    public static final int USAGE = 2;

    /** Exit code when apptap itself failed (not the command it ran). */
    public static final int FAILED = 1;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Name what to do: run, watch, ca or completion.");
    }

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Also print the engine's and the libraries' log records on stderr.")
    boolean verbose;

    /** Runs the command line and exits with its exit code. */
    public static void main(String[] args) {
        CommandLine cli = commandLine();
        try {
            cli.setDefaultValueProvider(ProjectConfig.current().checkKeys(cli));
        } catch (CliFailure e) {
            System.exit(failed(e, cli));
        }
        IExecutionStrategy run = cli.getExecutionStrategy();
        cli.setExecutionStrategy(parsed -> {
            Logging.configure(parsed.asCommandLineList().stream()
                    .anyMatch(c -> c.getParseResult().hasMatchedOption("--verbose")), System.err);
            return run.execute(parsed);
        });
        System.exit(cli.execute(args));
    }

    /** The configured command line, ready to {@link CommandLine#execute execute}; set its out and err to capture output. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Apptap());
        // everything after the command's name belongs to it: `apptap run curl -sS url` needs no `--`
        cli.getSubcommands().get("run").setStopAtPositional(true);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler(Apptap::badUsage);
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> failed(e, commandLine));
        return cli;
    }

    /** One sentence and the usage line, as users of Unix tools expect, instead of picocli's full help. */
    private static int badUsage(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("apptap: " + Sentences.sentence(UsageMessages.of(e)));
        err.println("Usage: " + String.join(" ", command.getCommandSpec().usageMessage().customSynopsis()));
        err.flush();
        return USAGE;
    }

    private static int failed(Exception e, CommandLine command) {
        PrintWriter err = command.getErr();
        if (e instanceof CliFailure failure) {
            String message = failure.getMessage();
            err.println(message.startsWith("apptap ") ? message : "apptap: " + message);
            err.flush();
            return failure.exitCode();
        }
        err.println("apptap: " + Sentences.sentence(e.getMessage() != null ? e.getMessage() : e.toString()));
        if (Boolean.getBoolean("apptap.debug")) {
            e.printStackTrace(err);
        }
        err.flush();
        return FAILED;
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Apptap.class.getPackage().getImplementationVersion();
            return new String[]{"apptap " + (version != null ? version : "dev")};
        }
    }
}
