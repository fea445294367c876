package dev.apptap.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Bad usage, in-process: one sentence and the usage line on stderr, exit code 2, and nothing is started. */
class UsageTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void runWithoutACommand() {
        assertThat(execute("run")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo(lines(
                "apptap: Name the command to run, such as 'apptap run -- curl https://example.com'.",
                "Usage: apptap run [options] -- <command> [args…]"));
    }

    @Test
    void unknownOption() {
        assertThat(execute("run", "--bogus", "--", "true")).isEqualTo(2);
        assertThat(err.toString()).startsWith("apptap: '--bogus' is not an option of apptap run; see apptap run --help.");
    }

    @Test
    void unknownSubcommand() {
        assertThat(execute("fly")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo(lines(
                "apptap: 'fly' is not a command of apptap; use run, watch, ca, completion.",
                "Usage: apptap (run|watch|ca|completion) [options] …"));
    }

    @Test
    void badValues() {
        assertThat(execute("run", "--body-limit", "lots", "--", "true")).isEqualTo(2);
        assertThat(err.toString()).startsWith("apptap: --body-limit 'lots' is not a size in bytes");

        err.getBuffer().setLength(0);
        assertThat(execute("run", "--route", "api.example.test=nowhere", "--", "true")).isEqualTo(2);
        assertThat(err.toString()).startsWith("apptap: --route 'api.example.test=nowhere' names no port to route to");

        err.getBuffer().setLength(0);
        assertThat(execute("run", "--mode", "sideways", "--", "true")).isEqualTo(2);
        assertThat(err.toString()).contains("--mode").contains("sideways");

        err.getBuffer().setLength(0);
        assertThat(execute("run", "--intercept", "/usr/bin/curl", "--", "true")).isEqualTo(2);
        assertThat(err.toString()).contains("items are process names, not paths; write 'curl' instead");
    }

    @Test
    void watchNeedsASpec() {
        assertThat(execute("watch")).isEqualTo(2);
        assertThat(err.toString()).endsWith(lines("Usage: apptap watch [options] <spec>"));
    }

    @Test
    void stopAtPositionalLetsTheCommandKeepItsOptions() {
        CommandLine cli = Apptap.commandLine();
        CommandLine.ParseResult parsed = cli.parseArgs("run", "--quiet", "curl", "-sS", "--json", "https://x.test/");

        RunCommand run = parsed.subcommand().commandSpec().commandLine().getCommand();
        assertThat(run.command).containsExactly("curl", "-sS", "--json", "https://x.test/");
        assertThat(run.options.quiet).isTrue();
        assertThat(run.options.json).isFalse();
    }

    private int execute(String... args) {
        CommandLine cli = Apptap.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private static String lines(String... lines) {
        return String.join(System.lineSeparator(), lines) + System.lineSeparator();
    }
}
