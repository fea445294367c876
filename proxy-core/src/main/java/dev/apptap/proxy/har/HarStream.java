package dev.apptap.proxy.har;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.Flow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A HAR 1.2 file written one entry at a time, for runs too long to keep every flow in memory ({@code apptap watch}
 * with a flow window): each flow is written when it completes, and what the window
 * evicts later is already on disk. The entries are those {@link HarWriter} writes, in the order they were added.
 *
 * <pre>{@code
 * try (HarStream har = HarStream.open(Path.of("watch.har"))) {
 *     store.addListener(flow -> { if (flow.isComplete()) har.add(flow); });
 *     ...
 * }
 * }</pre>
 *
 * <p>Until {@link #close()} the entries go to {@code FILE.tmp}; closing finishes the document and moves it to
 * {@code FILE} in one step, so a reader never sees half a HAR. A write that fails (a full disk) stops the stream;
 * {@link #close()} then deletes the temporary file and throws.
 */
public final class HarStream implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Path temporary;
    private final JsonGenerator out;
    private long entries;
    private IOException failure;
    private boolean closed;

    private HarStream(Path file, Path temporary, JsonGenerator out) {
        this.file = file;
        this.temporary = temporary;
        this.out = out;
    }

    /**
     * Starts the HAR document for {@code file}, creating its directory.
     *
     * @throws IOException whose message is a sentence naming the file and why it could not be written
     */
    public static HarStream open(Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path temporary = absolute.resolveSibling(absolute.getFileName() + ".tmp");
        try {
            Files.createDirectories(absolute.getParent());
            JsonGenerator out = JSON.getFactory().createGenerator(temporary.toFile(), JsonEncoding.UTF8);
            out.useDefaultPrettyPrinter();
            out.writeStartObject();
            out.writeObjectFieldStart("log");
            out.writeStringField("version", "1.2");
            out.writeObjectFieldStart("creator");
            out.writeStringField("name", "apptap");
            out.writeStringField("version", HarWriter.version());
            out.writeEndObject();
            out.writeArrayFieldStart("pages");
            out.writeEndArray();
            out.writeArrayFieldStart("entries");
            return new HarStream(absolute, temporary, out);
        } catch (IOException e) {
            Files.deleteIfExists(temporary);
            throw new IOException("apptap could not write the HAR file " + absolute + " (" + HarWriter.reason(e)
                    + ").", e);
        }
    }

    /** Appends {@code flow}'s entry; DNS flows have no HAR form and are left out. Never throws: see {@link #close()}. */
    public synchronized void add(Flow flow) {
        if (closed || failure != null || flow instanceof DnsFlow) {
            return;
        }
        try {
            JSON.writeTree(out, HarWriter.entry(flow));
            entries++;
        } catch (IOException e) {
            failure = e;
        }
    }

    /** How many entries were written. */
    public synchronized long entries() {
        return entries;
    }

    /** Where the finished document goes. */
    public Path file() {
        return file;
    }

    /**
     * Ends the document and moves it into place; closing twice does nothing.
     *
     * @throws IOException when a write failed, whose message is a sentence naming the file and why
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (failure != null) {
                throw failure;
            }
            out.writeEndArray();
            out.writeEndObject();
            out.writeEndObject();
            out.close();
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                out.close();
            } catch (IOException ignored) {
                // the write that failed said why
            }
            Files.deleteIfExists(temporary);
            throw new IOException("apptap could not write the HAR file " + file + " (" + HarWriter.reason(e) + ").",
                    e);
        }
    }
}
