package dev.apptap.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ./apptap} launcher's class-data archive: made by the first run, used after, never in the way. */
class LauncherTest {

    private static final Path LAUNCHER = Path.of("..", "apptap").toAbsolutePath().normalize();

    @TempDir
    Path work;

    @Test
    void theFirstRunLeavesAnArchiveThatTheNextCommandPromotesAndUses() throws Exception {
        Path cache = work.resolve("cache");

        CliProcess.Result first = launch(cache, "run", "--mode", "launch", "--ca-dir", work.resolve("ca").toString(), "--", "true");
        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(names(cache)).singleElement().asString().matches("apptap-cli-\\d+-\\d+\\.jsa\\.\\d+\\.tmp");

        CliProcess.Result second = launch(cache, "--version");
        assertThat(second.exit()).as(second.toString()).isZero();
        assertThat(second.stderr()).as(second.toString()).isEmpty();
        assertThat(names(cache)).singleElement().asString().matches("apptap-cli-\\d+-\\d+\\.jsa");
    }

    @Test
    void aBrokenArchiveIsIgnoredSilently() throws Exception {
        Path cache = work.resolve("cache");
        launch(cache, "run", "--mode", "launch", "--ca-dir", work.resolve("ca").toString(), "--", "true");
        launch(cache, "--version");
        Path archive = cache.resolve(names(cache).get(0));
        archive.toFile().setWritable(true);
        Files.write(archive, new byte[4096]);

        CliProcess.Result result = launch(cache, "--version");

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stdout()).startsWith("apptap ");
        assertThat(result.stderr()).as(result.toString()).isEmpty();
    }

    @Test
    void aDumpCutShortIsDroppedInsteadOfUsed() throws Exception {
        Path cache = work.resolve("cache");
        launch(cache, "run", "--mode", "launch", "--ca-dir", work.resolve("ca").toString(), "--", "true");
        Path dumped = cache.resolve(names(cache).get(0));
        byte[] whole = Files.readAllBytes(dumped);
        dumped.toFile().setWritable(true);
        Files.write(dumped, Arrays.copyOf(whole, whole.length / 2));

        CliProcess.Result result = launch(cache, "--version");

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stderr()).as(result.toString()).isEmpty();
        assertThat(names(cache)).isEmpty();
    }

    @Test
    void aCacheThatCannotBeMadeMeansNoArchiveAndAWorkingCommand() throws Exception {
        Path file = Files.writeString(work.resolve("not-a-directory"), "");

        CliProcess.Result result = launch(file.resolve("cache"), "run", "--mode", "launch",
                "--ca-dir", work.resolve("ca").toString(), "--", "true");

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stderr()).doesNotContain("cds", "CDS", "Error");
    }

    private CliProcess.Result launch(Path cache, String... args) throws IOException, InterruptedException {
        assumeThat(Files.isRegularFile(CliProcess.JAR)).as("the shaded jar is built").isTrue();
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("APPTAP_CDS_DIR", cache.toString());
        builder.environment().remove("APPTAP_CDS");
        builder.environment().remove("APPTAP_JAVA_OPTS");
        Process process = builder.start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("./apptap did not finish within 90 s: " + String.join(" ", args));
        }
        return new CliProcess.Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static List<String> names(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
