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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./apptap} launcher's class-data archive: trained once by the first {@code run} or {@code watch} of a
 * build, used after, never in the way.
 */
class LauncherTest {

    private static final Path LAUNCHER = Path.of("..", "apptap").toAbsolutePath().normalize();
    private static final String ARCHIVE = "apptap-cli-\\d+-\\d+\\.jsa";

    /** One training for the class: it takes seconds, and the archive's name depends on the jar and JVM only. */
    @TempDir
    static Path trained;
    private static CliProcess.Result firstRun;

    @TempDir
    Path work;

    @BeforeAll
    static void trainOnce() throws Exception {
        Files.createDirectories(trained.resolve("tmp"));
        firstRun = launch(trained, trained.resolve("cache"), Map.of("APPTAP_JAVA_OPTS",
                "-Djava.io.tmpdir=" + trained.resolve("tmp")), "run", "--mode", "launch", "--ca-dir",
                trained.resolve("ca").toString(), "--", "true");
    }

    @Test
    void theFirstRunTrainsAnArchiveOnceAndRunsTheCommand() throws Exception {
        assertThat(firstRun.exit()).as(firstRun.toString()).isZero();
        assertThat(firstRun.stderrLines()).as(firstRun.toString()).first().asString()
                .startsWith("apptap: archiving its classes once for this build");
        assertThat(firstRun.stderr()).as(firstRun.toString()).contains("apptap: LAUNCH mode")
                .doesNotContain("training failed");
        assertThat(names(trained.resolve("cache"))).singleElement().asString().matches(ARCHIVE);
    }

    @Test
    void theArchiveHoldsWhatAFlowNeedsThoughTheFirstCommandSentNone() throws Exception {
        Path archive = trained.resolve("cache").resolve(names(trained.resolve("cache")).get(0));
        String java = System.getenv("JAVA_HOME") != null ? Path.of(System.getenv("JAVA_HOME"), "bin", "java").toString()
                : "java";
        Process print = new ProcessBuilder(java, "-XX:SharedArchiveFile=" + archive, "-XX:+PrintSharedArchiveAndExit",
                "-XX:+PrintSharedDictionary", "-cp", CliProcess.JAR.toString()).redirectErrorStream(true).start();
        String dictionary = new String(print.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        print.waitFor();

        assertThat(dictionary).contains("dev.apptap.proxy.engine.Http1ByteRelay ",
                "dev.apptap.proxy.engine.Http1Relay ", "dev.apptap.proxy.engine.Http2FrameRelay ",
                "dev.apptap.proxy.engine.MitmClientHelloHandler ", "dev.apptap.proxy.dns.DnsResponder ",
                "dev.apptap.cli.FlowJson ", "dev.apptap.proxy.har.HarStream ",
                "com.fasterxml.jackson.core.JsonFactory ", "com.sun.jna.Native ");
    }

    @Test
    void theTrainingLeavesNoTemporaryFiles() throws Exception {
        assertThat(firstRun.exit()).as(firstRun.toString()).isZero();
        assertThat(names(trained.resolve("tmp"))).isEmpty();
    }

    @Test
    void theNextCommandMapsTheTrainedArchiveWithoutTrainingAgain() throws Exception {
        Path cache = trainedCopy();
        Path loaded = work.resolve("class-load.txt");

        CliProcess.Result next = launch(work, cache, Map.of("APPTAP_JAVA_OPTS", "-Xlog:class+load:file=" + loaded),
                "run", "--mode", "launch", "--ca-dir", work.resolve("ca").toString(), "--", "true");

        assertThat(next.exit()).as(next.toString()).isZero();
        assertThat(next.stderr()).as(next.toString()).doesNotContain("archiving");
        assertThat(Files.readString(loaded)).contains("dev.apptap.cli.RunCommand source: shared objects file (top)");
        assertThat(names(cache)).singleElement().asString().matches(ARCHIVE);
    }

    @Test
    void commandsOtherThanRunAndWatchNeitherTrainNorArchive() throws Exception {
        Path cache = work.resolve("cache");

        CliProcess.Result result = launch(cache, "--version");

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stderr()).as(result.toString()).isEmpty();
        assertThat(names(cache)).isEmpty();
    }

    @Test
    void aCdsSettingOfZeroMakesNoArchive() throws Exception {
        Path cache = work.resolve("cache");

        CliProcess.Result result = launch(work, cache, Map.of("APPTAP_CDS", "0"), "run", "--mode", "launch",
                "--ca-dir", work.resolve("ca").toString(), "--", "true");

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stderr()).as(result.toString()).doesNotContain("archiving");
        assertThat(cache).doesNotExist();
    }

    @Test
    void aFirstCommandWhileAnotherTrainsGoesWithoutAnArchive() throws Exception {
        Path cache = work.resolve("cache");
        Files.createDirectories(cache);
        // an empty dump named after a live launcher: another first command is training
        Path training = cache.resolve(names(trained.resolve("cache")).get(0) + "." + ProcessHandle.current().pid()
                + ".tmp");
        Files.createFile(training);

        CliProcess.Result result = launch(cache, "run", "--mode", "launch", "--ca-dir", work.resolve("ca").toString(),
                "--", "true");

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stderr()).as(result.toString()).doesNotContain("archiving");
        assertThat(names(cache)).containsExactly(training.getFileName().toString());
    }

    @Test
    void aTrainingThatFailsLeavesTheCommandToArchiveItsOwnClasses() throws Exception {
        Path cache = work.resolve("cache");
        // the training needs a temporary directory; `run --mode launch --ca-dir DIR -- true` does not
        Map<String, String> noTemporaryDirectory = Map.of("APPTAP_JAVA_OPTS",
                "-Djava.io.tmpdir=" + work.resolve("missing"));

        CliProcess.Result first = launch(work, cache, noTemporaryDirectory, "run", "--mode", "launch", "--ca-dir",
                work.resolve("ca").toString(), "--", "true");
        CliProcess.Result next = launch(cache, "--version");

        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(first.stderr()).as(first.toString())
                .contains("apptap: the archive's training failed; this command's own classes are archived instead.");
        assertThat(next.exit()).as(next.toString()).isZero();
        assertThat(names(cache)).singleElement().asString().matches(ARCHIVE);
    }

    @Test
    void aBrokenArchiveIsIgnoredSilently() throws Exception {
        Path cache = trainedCopy();
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
        Path cache = trainedCopy();
        Path archive = cache.resolve(names(cache).get(0));
        byte[] whole = Files.readAllBytes(archive);
        Files.delete(archive);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        // what a training killed while it wrote leaves: a part of a dump, named after a launcher that is gone
        Files.write(cache.resolve(archive.getFileName() + "." + gone.pid() + ".tmp"),
                Arrays.copyOf(whole, whole.length / 2));

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
        assertThat(result.stderr()).doesNotContain("cds", "CDS", "Error", "archiving");
    }

    /** A cache holding the class's trained archive. */
    private Path trainedCopy() throws IOException {
        Path cache = Files.createDirectories(work.resolve("cache"));
        String name = names(trained.resolve("cache")).get(0);
        Files.copy(trained.resolve("cache").resolve(name), cache.resolve(name));
        return cache;
    }

    private CliProcess.Result launch(Path cache, String... args) throws IOException, InterruptedException {
        return launch(work, cache, Map.of(), args);
    }

    private static CliProcess.Result launch(Path work, Path cache, Map<String, String> environment, String... args)
            throws IOException, InterruptedException {
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
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("./apptap did not finish within 180 s: " + String.join(" ", args));
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
