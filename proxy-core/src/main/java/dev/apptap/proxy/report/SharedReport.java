package dev.apptap.proxy.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One report page that several JVMs of a test run write (Surefire's or Failsafe's forks): each JVM keeps its own part,
 * {@code <dir>/report-parts/<pid>.json}, and rewrites the page from every part of its run while it holds a file lock,
 * so the page always lists the tests of all the forks that have written so far, whichever finishes last.
 *
 * <pre>{@code
 * SharedReport page = SharedReport.of(Path.of("target/apptap/report.html"), "2026-12-04T22-55-50_123");
 * page.write(report);   // this JVM's HtmlReport; safe while other JVMs (and threads) write the same page
 * }</pre>
 *
 * <p>Parts of another run are deleted once the JVM that wrote them has ended, so a page never mixes runs; a part whose
 * JVM still runs is left alone (another build in the same directory), but not shown.
 */
public final class SharedReport {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A file lock belongs to the whole JVM, and asking for it twice throws: threads take turns here first. */
    private static final Object IN_THIS_JVM = new Object();

    private final Path page;
    private final String run;
    private final Path parts;
    private final Path lock;

    private SharedReport(Path page, String run) {
        this.page = page;
        this.run = run;
        this.parts = page.resolveSibling(stem(page) + "-parts");
        this.lock = parts.resolve(".lock"); // beside the parts, so target/apptap shows only the page and its parts
    }

    /**
     * The page at {@code page}, shared by the JVMs that give the same {@code run}.
     *
     * @param run what the JVMs of one run have in common (Surefire's run timestamp, a build id); a JVM with a run of
     *            its own gets a page of its own
     */
    public static SharedReport of(Path page, String run) {
        return new SharedReport(page.toAbsolutePath(), Objects.requireNonNull(run, "run"));
    }

    /** Where this JVM's part is kept. */
    Path part() {
        return parts.resolve(ProcessHandle.current().pid() + ".json");
    }

    /**
     * Stores this JVM's part ({@code report}) and rewrites the page from the parts of the run.
     *
     * @throws IOException whose message is a sentence naming the file that could not be written
     */
    public void write(HtmlReport report) throws IOException {
        ObjectNode part = report.data();
        part.put("run", run);
        part.put("pid", ProcessHandle.current().pid());
        ProcessHandle.current().info().startInstant().ifPresent(start -> part.put("started", start.toString()));
        synchronized (IN_THIS_JVM) {
            try {
                Files.createDirectories(parts);
            } catch (IOException e) {
                throw new IOException("apptap could not create the report's directory " + parts + " (" + e + ").", e);
            }
            try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock held = channel.lock()) {
                HtmlReport.writeReplacing(part(), JSON.writeValueAsString(part), "report part");
                writePage();
            }
        }
    }

    /** The page from every part of this run, under the lock. */
    private void writePage() throws IOException {
        List<JsonNode> ours = new ArrayList<>();
        try (Stream<Path> files = Files.list(parts)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
                JsonNode part;
                try {
                    part = JSON.readTree(file.toFile());
                } catch (IOException unreadable) {
                    continue; // not apptap's: parts are written whole through a temporary file
                }
                if (run.equals(part.path("run").asText())) {
                    ours.add(part);
                } else if (!writerRuns(part)) {
                    Files.deleteIfExists(file);
                }
            }
        }
        ours.sort(Comparator.comparing((JsonNode p) -> p.path("created").asText()).thenComparing(p -> p.path("pid")
                .asLong()));
        List<JsonNode> tests = new ArrayList<>();
        ours.forEach(part -> part.path("tests").forEach(tests::add));
        JsonNode first = ours.get(0);
        String title = first.path("title").asText() + (ours.size() > 1 ? " (" + ours.size() + " JVMs)" : "");
        HtmlReport.writeReplacing(page, HtmlReport.page(title, instant(first.path("created").asText()), tests),
                "report");
    }

    /** Whether the JVM that wrote {@code part} still runs (the same process, not a later one with its pid). */
    private static boolean writerRuns(JsonNode part) {
        Optional<ProcessHandle> writer = ProcessHandle.of(part.path("pid").asLong(-1)).filter(ProcessHandle::isAlive);
        if (writer.isEmpty()) {
            return false;
        }
        Optional<Instant> started = writer.get().info().startInstant();
        return started.isEmpty() || !part.has("started") || started.get().toString().equals(part.path("started").asText());
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return Instant.now();
        }
    }

    private static String stem(Path page) {
        String name = page.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
