package dev.apptap.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as users run it, in LAUNCH mode but for one test: its lines start on their own, library logs stay
 * off the console, shell completion works in a real bash, a shared .apptap.properties gives stubs and options.
 */
class CliPolishTest {

    @TempDir
    Path work;

    @Test
    void theSummaryStartsOnALineOfItsOwnWhenTheCommandsOutputDidNotEndWithANewline() throws Exception {
        CliProcess.Result result = CliProcess.runMerged(work, "run", "--mode", "launch", "--", "printf", "hi");

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stdout()).doesNotContain("hiapptap").contains("hi\napptap: 0 flows");
    }

    @Test
    void outputThatEndsWithANewlineGetsNoBlankLine() throws Exception {
        CliProcess.Result result = CliProcess.runMerged(work, "run", "--mode", "launch", "--", "printf", "hi\\n");

        assertThat(result.stdout()).contains("hi\napptap: 0 flows").doesNotContain("hi\n\n");
    }

    /**
     * OSPROXY (kernel hooks: run under the kernel tests lock), where the refusal is recorded as a flow; the shell
     * waits a moment after curl, because the engine records the refusal just after curl has exited.
     */
    @Test
    void aRejectedCertificateIsOneFlowLineAndNoLogRecordUnlessVerbose() throws Exception {
        Optional<String> unavailable = RunCommandTest.osProxyUnavailable();
        assumeTrue(unavailable.isEmpty(), () -> "OSPROXY cannot run here: " + unavailable.orElse(""));
        Path otherRoots = Path.of("/etc/ssl/certs/ca-certificates.crt");
        assumeTrue(Files.isRegularFile(otherRoots), "The OS CA bundle is missing, so curl has no other CA to pin.");
        String[] args = {"run", "--mode", "osproxy", "--offline", "--stub", "GET https://api.example.test/ 200 hi", "--",
                "sh", "-c", "curl -sS --cacert " + otherRoots + " https://api.example.test/; sleep 1"};

        CliProcess.Result quiet = CliProcess.run(work, args);

        assertThat(quiet.stderrLines()).filteredOn(line -> line.contains("api.example.test")
                && line.contains("certificate")).as(quiet.toString()).hasSize(1);
        assertThat(quiet.stderr()).doesNotContain("INFO:", "WARNING:", "java.util.logging", "apptap [");

        String[] verbose = new String[args.length + 1];
        verbose[0] = "run";
        verbose[1] = "--verbose";
        System.arraycopy(args, 1, verbose, 2, args.length - 1);
        CliProcess.Result loud = CliProcess.run(work, verbose);

        assertThat(loud.stderr()).as(loud.toString()).contains("apptap [info] dev.apptap.").doesNotContain("INFO:");
    }

    @Test
    void runReportWritesTheFlowsAsOnePage() throws Exception {
        CliProcess.Result result = CliProcess.run(work, "run", "--mode", "launch", "--offline", "--report", "flows.html",
                "--stub", "GET https://api.example.test/v1/items 200 [1,2]", "--",
                "curl", "-sS", "https://api.example.test/v1/items");

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stderrLines()).contains("apptap: wrote flows.html (open it in a browser).");
        assertThat(Files.readString(work.resolve("flows.html"))).startsWith("<!DOCTYPE html>")
                .contains("\"name\":\"apptap run -- curl -sS https://api.example.test/v1/items\"",
                        "\"_handling\":\"stubbed\"", "\"failed\":false");
    }

    @Test
    void bashCompletesSubcommandsAndOptions() throws Exception {
        CliProcess.Result script = CliProcess.run(work, "completion", "bash");
        assertThat(script.exit()).as(script.toString()).isZero();
        Path file = work.resolve("apptap-completion.bash");
        Files.writeString(file, script.stdout());

        assertThat(complete(file, "apptap r")).contains("run");
        assertThat(complete(file, "apptap run --off")).contains("--offline");
        assertThat(complete(file, "apptap completion ")).contains("bash", "zsh");
    }

    @Test
    void zshLoadsTheCompletionThroughItsBashEmulation() throws Exception {
        CliProcess.Result script = CliProcess.run(work, "completion", "zsh");

        assertThat(script.exit()).isZero();
        assertThat(script.stdout()).startsWith("autoload -U +X compinit && compinit\nautoload -U +X bashcompinit"
                + " && bashcompinit\n").contains("complete -F _complete_apptap");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/zsh")), "zsh is not installed, so the script is not run in it.");
        Path file = work.resolve("apptap-completion.zsh");
        Files.writeString(file, script.stdout());
        assertThat(shell("/usr/bin/zsh", "-c", "source " + file + " && complete -p apptap")).contains("apptap");
    }

    @Test
    void aSharedPropertiesFileGivesStubsAndOptionsAndTheCommandLineWins() throws Exception {
        Files.writeString(work.resolve(".apptap.properties"), """
                # shared by the team
                offline=true
                stub.hello=GET https://api.example.test/v1/hello 200 {"hello":"file"}
                stub.bye=GET https://api.example.test/v1/bye 200 {"bye":"file"}
                """);

        CliProcess.Result fromFile = CliProcess.run(work, "run", "--mode", "launch", "--", "curl", "-sS",
                "https://api.example.test/v1/hello");
        CliProcess.Result overridden = CliProcess.run(work, "run", "--mode", "launch", "--stub",
                "GET https://api.example.test/v1/bye 200 {\"bye\":\"command line\"}", "--", "curl", "-sS",
                "https://api.example.test/v1/bye");

        assertThat(fromFile.stdout()).as(fromFile.toString()).isEqualTo("{\"hello\":\"file\"}");
        assertThat(overridden.stdout()).as(overridden.toString()).isEqualTo("{\"bye\":\"command line\"}");
    }

    @Test
    void aTypoInThePropertiesFileIsNamedWithTheFile() throws Exception {
        Files.writeString(work.resolve(".apptap.properties"), "ofline=true\n");

        CliProcess.Result result = CliProcess.run(work, "run", "--mode", "launch", "--", "true");

        assertThat(result.exit()).isEqualTo(Apptap.USAGE);
        assertThat(result.stderr()).startsWith("apptap: " + work.resolve(".apptap.properties").toRealPath()
                + " sets 'ofline', which is not an option of apptap;");
    }

    @Test
    void aBadStubInThePropertiesFileIsNamedWithItsKey() throws Exception {
        Files.writeString(work.resolve(".apptap.properties"), "stub.broken=GET https://api.example.test/\n");

        CliProcess.Result result = CliProcess.run(work, "run", "--mode", "launch", "--", "true");

        assertThat(result.exit()).as(result.toString()).isEqualTo(Apptap.USAGE);
        assertThat(result.stderr()).contains("sets stub.broken, which is not a valid --stub value");
    }

    /** What bash's completion function offers for {@code line} (the word being completed is its last). */
    private String complete(Path script, String line) throws Exception {
        String words = line.endsWith(" ") ? line + "''" : line;
        return shell("bash", "-c", "source " + script + "; COMP_WORDS=(" + words + "); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ));"
                + " COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}; _complete_apptap; echo \"${COMPREPLY[@]}\"");
    }

    private String shell(String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return output;
    }
}
