package dev.apptap.proxy.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apptap.flow.Flow;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.har.HarWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One self-contained HTML page with the flows of a run, test by test: a table and a waterfall per test, a flow's
 * request and response on click, failed tests first. The page needs no network to be viewed: its CSS and script are
 * inline, and the flows are embedded as JSON (each test's entries in apptap's HAR form, see {@link HarWriter}) that
 * the script renders with {@code textContent}, so nothing a flow carries is ever parsed as HTML.
 *
 * <pre>{@code
 * HtmlReport report = new HtmlReport("apptap run -- curl https://api.example.test/");
 * report.add("curl https://api.example.test/", Optional.empty(), session.flows().flows());
 * report.write(Path.of("target/apptap/report.html"));
 * }</pre>
 *
 * <p>Thread-safe: tests that run in parallel may add to one report. Bodies longer than {@value #BODY_LIMIT}
 * characters are cut in the page (the HAR file keeps them whole), so that a long run stays viewable.
 */
public final class HtmlReport {

    /** Characters of each body the page shows. */
    public static final int BODY_LIMIT = 128 * 1024;

    private static final String DATA_MARK = "__APPTAP_REPORT_DATA__";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEMPLATE = template();

    private final String title;
    private final Instant created = Instant.now();
    private final List<ObjectNode> tests = new ArrayList<>();

    /** An empty report; {@code title} says what ran, such as the command line or the test run. */
    public HtmlReport(String title) {
        this.title = title;
    }

    /**
     * The fragment that names a test's section, {@code t-LoginTest.logsIn}: a link to {@code report.html#<anchor>}
     * opens the page at the test.
     */
    public static String anchor(String test) {
        return "t-" + test.replaceAll("[^A-Za-z0-9._\\-]", "_");
    }

    /**
     * Adds a test (or a command) and its flows; the flows are copied now, so later changes to them do not show.
     *
     * @param failure why the test failed (its exception's message, say), or empty when it passed
     */
    public synchronized void add(String test, Optional<String> failure, List<? extends Flow> flows) {
        ObjectNode node = JSON.createObjectNode();
        node.put("name", test);
        node.put("anchor", anchor(test));
        node.put("failed", failure.isPresent());
        node.put("failure", failure.orElse(""));
        node.set("entries", entries(flows));
        tests.add(node);
    }

    /** How many tests (or commands) the report holds. */
    public synchronized int size() {
        return tests.size();
    }

    /** The page. */
    public synchronized String html() {
        return page(title, created, tests);
    }

    /** The report's data, as {@link SharedReport} keeps one JVM's part of a page. */
    synchronized ObjectNode data() {
        ObjectNode data = JSON.createObjectNode();
        data.put("title", title);
        data.put("created", created.toString());
        ArrayNode list = data.putArray("tests");
        tests.forEach(list::add);
        return data;
    }

    /** A page with {@code tests} (each as {@link #add} made it). */
    static String page(String title, Instant created, List<? extends JsonNode> tests) {
        ObjectNode data = JSON.createObjectNode();
        data.put("title", title);
        data.put("created", created.toString());
        ArrayNode list = data.putArray("tests");
        tests.forEach(list::add);
        return TEMPLATE.replace(DATA_MARK, scriptSafe(data));
    }

    /**
     * Writes the page to {@code file}, creating its directory and replacing the file in one step.
     *
     * @throws IOException whose message is a sentence naming the file and why it could not be written
     */
    public void write(Path file) throws IOException {
        writeReplacing(file, html(), "report");
    }

    /**
     * Writes {@code text} to {@code file} through a temporary file moved over it, so a reader never sees half a file.
     *
     * @param what what the file is, for the error's sentence
     */
    static void writeReplacing(Path file, String text, String what) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path temporary = absolute.resolveSibling(absolute.getFileName() + ".tmp");
        try {
            Files.createDirectories(absolute.getParent());
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // the directory itself is unusable; nothing was left there
            }
            throw new IOException("apptap could not write the " + what + " " + absolute + " (" + e + ").", e);
        }
    }

    /** The test's flows as HAR entries, with who answered each and bodies cut to {@link #BODY_LIMIT}. */
    private static ArrayNode entries(List<? extends Flow> flows) {
        Map<Long, HttpFlow.Handling> handling = new HashMap<>();
        for (Flow flow : flows) {
            if (flow instanceof HttpFlow http) {
                handling.put(http.id(), http.handling());
            }
        }
        ArrayNode entries = (ArrayNode) HarWriter.toHar(flows).path("log").path("entries");
        for (JsonNode entry : entries) {
            ObjectNode e = (ObjectNode) entry;
            HttpFlow.Handling answered = handling.get(e.path("_flowId").asLong());
            e.put("_handling", answered == null ? "tcp" : answered.kind().name().toLowerCase(Locale.ROOT));
            e.put("_rule", answered == null ? "" : answered.rule());
            cut(e.path("request").path("postData"));
            cut(e.path("response").path("content"));
        }
        return entries;
    }

    private static void cut(JsonNode holder) {
        if (holder instanceof ObjectNode body && body.path("text").asText().length() > BODY_LIMIT) {
            body.put("text", body.path("text").asText().substring(0, BODY_LIMIT));
            body.put("_cut", BODY_LIMIT);
        }
    }

    /**
     * JSON that can sit inside a {@code <script>} element: {@code <}, {@code >} and {@code &} are written as
     * {@code \u003c}-style escapes, so neither {@code </script>} nor {@code <!--} in a body can end the element,
     * and U+2028/U+2029 are escaped for older parsers.
     */
    static String scriptSafe(JsonNode data) {
        try {
            return JSON.writer().with(new ScriptSafeEscapes()).writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("apptap could not write the report's data as JSON.", e);
        }
    }

    private static String template() {
        try (InputStream in = HtmlReport.class.getResourceAsStream("report.html")) {
            if (in == null) {
                throw new IllegalStateException("apptap's report template report.html is missing from the jar.");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("apptap could not read its report template.", e);
        }
    }

    private static final class ScriptSafeEscapes extends CharacterEscapes {

        private final int[] ascii = standardAsciiEscapesForJSON();

        ScriptSafeEscapes() {
            ascii['<'] = ESCAPE_STANDARD;
            ascii['>'] = ESCAPE_STANDARD;
            ascii['&'] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return ch == 0x2028 || ch == 0x2029 ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }
}
