package dev.apptap.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the shaded jar as users do, {@code java -jar cli/target/apptap-cli.jar …}, and collects what it printed. */
final class CliProcess {

    static final Path JAR = Path.of("target", "apptap-cli.jar");

    private CliProcess() {
    }

    record Result(int exit, String stdout, String stderr) {
        List<String> stderrLines() {
            return stderr.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    static Result run(Path work, String... args) throws IOException, InterruptedException {
        return run(work, false, args);
    }

    /** Runs with stdout and stderr going to one file, as {@code 2>&1} does; the result's stdout holds both. */
    static Result runMerged(Path work, String... args) throws IOException, InterruptedException {
        return run(work, true, args);
    }

    private static Result run(Path work, boolean merged, String... args) throws IOException, InterruptedException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing; the shade plugin builds it before"
                    + " the tests in process-test-classes");
        }
        List<String> command = new ArrayList<>(List.of(java(), "-jar", JAR.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        Path out = work.resolve("stdout.txt");
        Path err = work.resolve("stderr.txt");
        Process process = new ProcessBuilder(command).directory(work.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(merged ? out.toFile() : err.toFile())
                .redirectErrorStream(merged).start();
        if (!process.waitFor(Duration.ofSeconds(90).toSeconds(), TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("apptap did not finish within 90 s: " + String.join(" ", args));
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                merged ? "" : Files.readString(err, StandardCharsets.UTF_8));
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
