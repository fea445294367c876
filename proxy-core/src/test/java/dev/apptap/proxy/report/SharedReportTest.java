package dev.apptap.proxy.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several JVMs of one test run (Surefire's forks) write one report page, and every fork's tests end up in it. */
class SharedReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void twoJvmsWritingThePageAtOnceBothEndUpInIt() throws Exception {
        Path page = dir.resolve("apptap/report.html");
        List<Process> forks = new ArrayList<>();
        for (String fork : List.of("first", "second")) {
            forks.add(new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                    System.getProperty("java.class.path"), SharedReportWriter.class.getName(), page.toString(),
                    "run-1", fork, "25").redirectErrorStream(true).start());
        }
        for (Process fork : forks) {
            String out = new String(fork.getInputStream().readAllBytes());
            assertThat(fork.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(fork.exitValue()).as("the writer JVM's exit; it wrote:%n%s", out).isZero();
        }

        List<String> names = testNames(page);
        assertThat(names).hasSize(50).containsAll(IntStream.range(0, 25).mapToObj(i -> "first test " + i).toList())
                .containsAll(IntStream.range(0, 25).mapToObj(i -> "second test " + i).toList());
        assertThat(Files.readString(page)).contains("(2 JVMs)");
    }

    @Test
    void theNextRunDropsThePartsOfAnEndedRun() throws Exception {
        Path page = dir.resolve("report.html");
        Process ended = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), SharedReportWriter.class.getName(), page.toString(),
                "yesterday", "old", "1").start();
        assertThat(ended.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(testNames(page)).containsExactly("old test 0");

        HtmlReport today = new HtmlReport("today");
        today.add("new test", Optional.empty(), List.of());
        SharedReport.of(page, "today").write(today);

        assertThat(testNames(page)).containsExactly("new test");
        try (var parts = Files.list(dir.resolve("report-parts"))) {
            assertThat(parts.filter(file -> file.toString().endsWith(".json")).toList())
                    .as("only this JVM's part is left").containsExactly(
                    SharedReport.of(page, "today").part());
        }
    }

    @Test
    void aPartOfAnotherRunThatStillGoesOnIsKeptButNotShown() throws Exception {
        Path page = dir.resolve("report.html");
        Files.createDirectories(dir.resolve("report-parts"));
        // written by a JVM that still runs (this one: same pid, same start), for another build in the same directory
        Path other = dir.resolve("report-parts/other.json");
        Files.writeString(other, "{\"title\":\"other\",\"created\":\"2026-12-04T20:00:00Z\",\"run\":\"other run\","
                + "\"pid\":" + ProcessHandle.current().pid() + ",\"started\":\""
                + ProcessHandle.current().info().startInstant().orElseThrow() + "\",\"tests\":[{\"name\":\"other test\"}]}");

        HtmlReport mine = new HtmlReport("mine");
        mine.add("my test", Optional.empty(), List.of());
        SharedReport.of(page, "my run").write(mine);

        assertThat(testNames(page)).containsExactly("my test");
        assertThat(other).exists();
    }

    /** The names of the tests the page embeds, in its order. */
    private static List<String> testNames(Path page) throws Exception {
        String html = Files.readString(page);
        int start = html.indexOf("{\"title\"");
        JsonNode data = JSON.readTree(html.substring(start, html.indexOf("</script>", start)));
        List<String> names = new ArrayList<>();
        data.path("tests").forEach(test -> names.add(test.path("name").asText()));
        return names;
    }
}
