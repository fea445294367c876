package dev.apptap.flow;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Removes content encodings and finds charsets, without ever throwing on what a recording holds.
 *
 * <p>Codings: {@code gzip} and {@code x-gzip} (several members too), {@code deflate} (zlib-wrapped or raw, as
 * browsers accept both), {@code identity}, {@code br} when the optional {@code com.aayushatharva.brotli4j:brotli4j}
 * library (with its native part) is on the class path, and {@code zstd} when the optional
 * {@code com.github.luben:zstd-jni} library is. A chain such as {@code gzip, br} is undone right to left. When a
 * coding cannot be undone (unknown, or its library is missing) decoding stops there and the bytes are returned as
 * far as they were decoded, still encoded; {@link Decoded#problem()} says why.
 *
 * <p>Recordings are often cut short on purpose (bodies are capped), so a stream that ends early yields the bytes
 * decoded so far. Output is capped ({@link #MAX_DECODED_BYTES}) so that a small body cannot expand into gigabytes.
 */
final class BodyDecoding {

    /** The most bytes one decoding produces; a guard against decompression bombs. */
    static final int MAX_DECODED_BYTES = 64 << 20;

    private static final int CHUNK = 16 * 1024;

    private BodyDecoding() {
    }

    /**
     * The outcome of decoding.
     *
     * @param bytes   the decoded bytes, or as far as decoding got
     * @param problem a sentence saying why decoding stopped short, or an empty string
     */
    record Decoded(byte[] bytes, String problem) {
    }

    static byte[] decode(byte[] raw, String contentEncoding) {
        return decode(raw, contentEncoding, MAX_DECODED_BYTES).bytes();
    }

    static Decoded decode(byte[] raw, String contentEncoding, int maxBytes) {
        List<String> codings = codings(contentEncoding);
        byte[] current = raw;
        List<String> problems = new ArrayList<>();
        for (int i = codings.size() - 1; i >= 0; i--) {
            String coding = codings.get(i);
            if (current.length == 0) {
                break;
            }
            Layer layer = switch (coding) {
                case "identity" -> new Layer(current, "");
                case "gzip", "x-gzip" -> gunzip(current, maxBytes);
                case "deflate" -> inflateEither(current, maxBytes);
                case "br" -> Brotli.decode(current, maxBytes);
                case "zstd" -> Zstd.decode(current, maxBytes);
                default -> null;
            };
            if (layer == null) {
                problems.add("The body is encoded with '" + coding + "', which apptap cannot decode, so it is returned "
                        + "still encoded" + (i == codings.size() - 1 ? "." : " from that coding on."));
                break;
            }
            if (!layer.problem().isEmpty()) {
                problems.add(layer.problem());
            }
            if (layer.stop()) {
                break;
            }
            current = layer.bytes();
        }
        return new Decoded(current, String.join(" ", problems));
    }

    /** The codings in the order they were applied, lower case, without empty elements. */
    static List<String> codings(String contentEncoding) {
        List<String> codings = new ArrayList<>();
        for (String part : contentEncoding.split(",")) {
            String coding = part.trim().toLowerCase(Locale.ROOT);
            if (!coding.isEmpty()) {
                codings.add(coding);
            }
        }
        return codings;
    }

    /**
     * The charset named by a Content-Type's {@code charset} parameter (quoted or not); UTF-8 when there is none or
     * when the JVM does not know it. UTF-8 is also right for JSON, whose media type defines no charset parameter.
     */
    static Charset charsetOf(String contentType) {
        String name = parameter(contentType, "charset");
        if (name.isEmpty()) {
            return StandardCharsets.UTF_8;
        }
        try {
            return Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** A media-type parameter's value with quotes and escapes removed, or an empty string. */
    static String parameter(String contentType, String wanted) {
        int i = contentType.indexOf(';');
        while (i >= 0 && i < contentType.length()) {
            int nameStart = i + 1;
            int eq = contentType.indexOf('=', nameStart);
            int semi = contentType.indexOf(';', nameStart);
            if (eq < 0 || (semi >= 0 && semi < eq)) {
                i = semi;
                continue;
            }
            String name = contentType.substring(nameStart, eq).trim();
            StringBuilder value = new StringBuilder();
            int j = eq + 1;
            while (j < contentType.length() && contentType.charAt(j) == ' ') {
                j++;
            }
            if (j < contentType.length() && contentType.charAt(j) == '"') {
                for (j++; j < contentType.length() && contentType.charAt(j) != '"'; j++) {
                    if (contentType.charAt(j) == '\\' && j + 1 < contentType.length()) {
                        j++;
                    }
                    value.append(contentType.charAt(j));
                }
                i = contentType.indexOf(';', j);
            } else {
                int end = semi < 0 ? contentType.length() : semi;
                value.append(contentType, j, end);
                i = semi;
            }
            if (name.equalsIgnoreCase(wanted)) {
                return value.toString().trim();
            }
        }
        return "";
    }

    /**
     * Text from bytes: a byte-order mark overrides {@code declared} (as the WHATWG decode algorithm does, so that a
     * JSON body saved with a BOM still reads cleanly) and is not part of the text.
     */
    static String text(byte[] bytes, Charset declared) {
        if (bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF) {
            return new String(bytes, 3, bytes.length - 3, StandardCharsets.UTF_8);
        }
        if (bytes.length >= 2 && (bytes[0] & 0xFF) == 0xFE && (bytes[1] & 0xFF) == 0xFF) {
            return new String(bytes, 2, bytes.length - 2, StandardCharsets.UTF_16BE);
        }
        if (bytes.length >= 2 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xFE) {
            return new String(bytes, 2, bytes.length - 2, StandardCharsets.UTF_16LE);
        }
        return new String(bytes, declared);
    }

    /**
     * One decoded layer. {@code stop} means the layer could not be decoded at all, so decoding ends and the input
     * is what the caller gets.
     */
    record Layer(byte[] bytes, String problem, boolean stop) {
        Layer(byte[] bytes, String problem) {
            this(bytes, problem, false);
        }

        static Layer undecodable(String problem) {
            return new Layer(new byte[0], problem, true);
        }
    }

    /** A growable output that refuses to pass {@code max} bytes. */
    static final class Output {
        private final int max;
        private byte[] buffer;
        private int size;
        private boolean full;

        Output(int max, long expected) {
            this.max = max;
            this.buffer = new byte[(int) Math.max(0, Math.min(max, Math.max(64, expected)))];
        }

        /** Keeps what fits; returns false once the cap was hit. */
        boolean write(byte[] source, int offset, int length) {
            int keep = Math.min(length, max - size);
            if (keep < length) {
                full = true;
            }
            if (size + keep > buffer.length) {
                long grown = Math.max((long) size + keep, Math.min((long) max, buffer.length * 2L));
                buffer = Arrays.copyOf(buffer, (int) grown);
            }
            System.arraycopy(source, offset, buffer, size, keep);
            size += keep;
            return !full;
        }

        boolean full() {
            return full;
        }

        int size() {
            return size;
        }

        byte[] toByteArray() {
            return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
        }

        /** Whether the bytes from {@code from} on match the CRC-32 and length in a gzip trailer at {@code at}. */
        boolean matchesGzipTrailer(int from, byte[] in, int at) {
            CRC32 crc = new CRC32();
            crc.update(buffer, from, size - from);
            long expectedCrc = littleEndian(in, at);
            long expectedLength = littleEndian(in, at + 4);
            return crc.getValue() == expectedCrc && ((size - from) & 0xFFFFFFFFL) == expectedLength;
        }

        private static long littleEndian(byte[] in, int at) {
            return (in[at] & 0xFFL) | (in[at + 1] & 0xFFL) << 8 | (in[at + 2] & 0xFFL) << 16 | (in[at + 3] & 0xFFL) << 24;
        }

        String capProblem(String coding) {
            return "Decoding " + coding + " stopped at " + Sizes.describe(max)
                    + ", a limit that guards against decompression bombs, so the body is returned in part.";
        }
    }

    // ---- gzip and deflate, with the JDK's Inflater so that a stream cut short still yields its prefix ----

    private static final int GZIP_FHCRC = 2;
    private static final int GZIP_FEXTRA = 4;
    private static final int GZIP_FNAME = 8;
    private static final int GZIP_FCOMMENT = 16;

    static Layer gunzip(byte[] in, int maxBytes) {
        Output out = new Output(maxBytes, in.length * 4L);
        int pos = 0;
        int members = 0;
        while (pos < in.length) {
            int body = gzipHeaderEnd(in, pos);
            if (body == -2) {
                // Bytes after a complete member that are not another member: browsers ignore them, so do we.
                if (members > 0) {
                    break;
                }
                return Layer.undecodable("The body is marked gzip but does not start like gzip data, so it is "
                        + "returned as it travelled.");
            }
            if (body == -1) {
                return new Layer(out.toByteArray(), "The gzip data ends inside a header, so the body is returned "
                        + "as far as it was decoded (" + Sizes.describe(out.size()) + ").");
            }
            Inflater inflater = new Inflater(true);
            int memberStart = out.size();
            try {
                inflater.setInput(in, body, in.length - body);
                Inflated result = inflate(inflater, out, "gzip");
                if (result.invalid() && members == 0 && out.size() == 0) {
                    return Layer.undecodable("The body is marked gzip but its data is not valid deflate, so it is "
                            + "returned as it travelled.");
                }
                if (!result.problem().isEmpty()) {
                    return new Layer(out.toByteArray(), result.problem());
                }
                int trailer = in.length - inflater.getRemaining();
                // Damaged deflate data often still inflates, to garbage; only the checksum tells.
                if (trailer + 8 <= in.length && !out.matchesGzipTrailer(memberStart, in, trailer)) {
                    return new Layer(out.toByteArray(), "The gzip data fails its CRC-32 check, so the body is "
                            + "damaged; it is returned as it decoded.");
                }
                pos = trailer + 8;
            } finally {
                inflater.end();
            }
            members++;
        }
        return new Layer(out.toByteArray(), "");
    }

    /** Where a gzip member's deflate data starts; -1 when the header is cut short, -2 when it is not gzip. */
    static int gzipHeaderEnd(byte[] in, int start) {
        if (in.length - start < 10) {
            return in.length - start >= 1 && (in[start] & 0xFF) != 0x1F ? -2 : -1;
        }
        if ((in[start] & 0xFF) != 0x1F || (in[start + 1] & 0xFF) != 0x8B || in[start + 2] != 8) {
            return -2;
        }
        int flags = in[start + 3] & 0xFF;
        int pos = start + 10;
        if ((flags & GZIP_FEXTRA) != 0) {
            if (pos + 2 > in.length) {
                return -1;
            }
            pos += 2 + ((in[pos] & 0xFF) | (in[pos + 1] & 0xFF) << 8);
        }
        for (int flag : new int[] {GZIP_FNAME, GZIP_FCOMMENT}) {
            if ((flags & flag) != 0) {
                while (pos < in.length && in[pos] != 0) {
                    pos++;
                }
                pos++;
            }
        }
        if ((flags & GZIP_FHCRC) != 0) {
            pos += 2;
        }
        return pos > in.length ? -1 : pos;
    }

    static Layer inflateEither(byte[] in, int maxBytes) {
        // Servers disagree on what "deflate" means (RFC 9110 says zlib, some send raw deflate), so do what
        // browsers do: trust a valid zlib header, else read raw deflate.
        boolean zlib = in.length >= 2 && (in[0] & 0x0F) == 8 && (in[0] & 0xFF) >>> 4 <= 7
                && (((in[0] & 0xFF) << 8) | (in[1] & 0xFF)) % 31 == 0;
        Layer first = inflate(in, maxBytes, !zlib);
        if (zlib && first.bytes().length == 0 && first.stop()) {
            Layer raw = inflate(in, maxBytes, true);
            return raw.stop() ? first : raw;
        }
        return first;
    }

    private static Layer inflate(byte[] in, int maxBytes, boolean raw) {
        Output out = new Output(maxBytes, in.length * 4L);
        Inflater inflater = new Inflater(raw);
        try {
            inflater.setInput(in);
            Inflated result = inflate(inflater, out, "deflate");
            if (result.invalid() && out.size() == 0) {
                return Layer.undecodable("The body is marked deflate but is neither zlib nor raw deflate data, so "
                        + "it is returned as it travelled.");
            }
            return new Layer(out.toByteArray(), result.problem());
        } finally {
            inflater.end();
        }
    }

    /** Why inflating stopped: an empty problem when the stream ended properly. */
    private record Inflated(String problem, boolean invalid) {
        static final Inflated DONE = new Inflated("", false);

        static Inflated shortOf(String problem) {
            return new Inflated(problem, false);
        }
    }

    /** Inflates until the stream ends, the input runs out, the data turns out invalid or the cap is hit. */
    private static Inflated inflate(Inflater inflater, Output out, String coding) {
        byte[] chunk = new byte[CHUNK];
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                if (n > 0 && !out.write(chunk, 0, n)) {
                    return Inflated.shortOf(out.capProblem(coding));
                }
                if (n == 0 && inflater.needsDictionary()) {
                    return new Inflated("The " + coding + " data needs a preset dictionary, which HTTP never "
                            + "provides, so the body is returned as far as it was decoded.", true);
                }
                if (n == 0 && inflater.needsInput()) {
                    return Inflated.shortOf("The " + coding + " data ends early (the recording may have been cut "
                            + "short), so the body is returned as far as it was decoded ("
                            + Sizes.describe(out.size()) + ").");
                }
            }
            return Inflated.DONE;
        } catch (DataFormatException e) {
            return new Inflated("The " + coding + " data is not valid (" + e.getMessage() + "), so the body is "
                    + "returned as far as it was decoded (" + Sizes.describe(out.size()) + ").", true);
        }
    }

    // ---- stream decoders from optional libraries ----

    /** Reads {@code in} to its end, the cap, or the first error, keeping what came out before. */
    static Layer drain(InputStream in, Output out, String coding) {
        byte[] chunk = new byte[CHUNK];
        try (in) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                if (!out.write(chunk, 0, n)) {
                    return new Layer(out.toByteArray(), out.capProblem(coding));
                }
            }
            return new Layer(out.toByteArray(), "");
        } catch (IOException | RuntimeException e) {
            if (out.size() == 0 && !(e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("trunc"))) {
                return Layer.undecodable("The " + coding + " data could not be decoded (" + e.getMessage()
                        + "), so the body is returned as it travelled.");
            }
            return new Layer(out.toByteArray(), "The " + coding + " data ends early or is damaged (" + e.getMessage()
                    + "), so the body is returned as far as it was decoded (" + Sizes.describe(out.size()) + ").");
        }
    }

    /**
     * zstd through zstd-jni, reached by reflection: the dependency is optional, and a direct reference could make
     * the verifier load its classes before anyone asked for zstd.
     */
    static final class Zstd {
        private static final MethodHandle NEW_STREAM;
        private static final String MISSING;

        static {
            MethodHandle open = null;
            String missing = "";
            try {
                // Initialising the class loads the native library, so a missing one shows up here, once.
                Class<?> stream = Class.forName("com.github.luben.zstd.ZstdInputStream", true,
                        BodyDecoding.class.getClassLoader());
                open = MethodHandles.publicLookup().findConstructor(stream,
                        MethodType.methodType(void.class, InputStream.class));
            } catch (ClassNotFoundException e) {
                missing = "The body is encoded with zstd, but zstd-jni (com.github.luben:zstd-jni) is not on the "
                        + "class path, so it is returned still encoded.";
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                missing = "The body is encoded with zstd, but zstd-jni is not usable here (" + e
                        + "), so it is returned still encoded.";
            }
            NEW_STREAM = open;
            MISSING = missing;
        }

        private Zstd() {
        }

        static boolean available() {
            return MISSING.isEmpty();
        }

        static Layer decode(byte[] in, int maxBytes) {
            if (!MISSING.isEmpty()) {
                return Layer.undecodable(MISSING);
            }
            InputStream stream;
            try {
                stream = (InputStream) NEW_STREAM.invoke(new ByteArrayInputStream(in));
            } catch (Throwable e) {
                if (e instanceof VirtualMachineError error) {
                    throw error;
                }
                return Layer.undecodable("The zstd decoder failed to start (" + e + "), so the body is returned "
                        + "still encoded.");
            }
            return drain(stream, new Output(maxBytes, in.length * 4L), "zstd");
        }
    }

    /**
     * Brotli through brotli4j, reached by reflection so that this package compiles and runs without it. The JNI
     * wrapper is driven directly because brotli4j's own InputStream yields nothing when the input ends early.
     */
    static final class Brotli {
        private static final String PACKAGE = "com.aayushatharva.brotli4j";
        private static final MethodHandle NEW_WRAPPER;
        private static final MethodHandle STATUS;
        private static final MethodHandle INPUT_BUFFER;
        private static final MethodHandle PUSH;
        private static final MethodHandle HAS_OUTPUT;
        private static final MethodHandle PULL;
        private static final MethodHandle DESTROY;
        private static final String MISSING;

        static {
            MethodHandle[] h = new MethodHandle[7];
            String missing = "";
            try {
                ClassLoader loader = BodyDecoding.class.getClassLoader();
                Class<?> loaderClass = Class.forName(PACKAGE + ".Brotli4jLoader", true, loader);
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                boolean ok = (boolean) lookup.findStatic(loaderClass, "isAvailable", MethodType.methodType(boolean.class))
                        .invoke();
                if (!ok) {
                    Object cause = lookup.findStatic(loaderClass, "getUnavailabilityCause",
                            MethodType.methodType(Throwable.class)).invoke();
                    throw new IllegalStateException("its native library did not load: " + cause);
                }
                Class<?> wrapper = Class.forName(PACKAGE + ".decoder.DecoderJNI$Wrapper", true, loader);
                Class<?> status = Class.forName(PACKAGE + ".decoder.DecoderJNI$Status", true, loader);
                h[0] = lookup.findConstructor(wrapper, MethodType.methodType(void.class, int.class));
                h[1] = lookup.findVirtual(wrapper, "getStatus", MethodType.methodType(status));
                h[2] = lookup.findVirtual(wrapper, "getInputBuffer", MethodType.methodType(ByteBuffer.class));
                h[3] = lookup.findVirtual(wrapper, "push", MethodType.methodType(void.class, int.class));
                h[4] = lookup.findVirtual(wrapper, "hasOutput", MethodType.methodType(boolean.class));
                h[5] = lookup.findVirtual(wrapper, "pull", MethodType.methodType(ByteBuffer.class));
                h[6] = lookup.findVirtual(wrapper, "destroy", MethodType.methodType(void.class));
            } catch (ClassNotFoundException e) {
                missing = "The body is encoded with br, but no Brotli decoder (com.aayushatharva.brotli4j:brotli4j) "
                        + "is on the class path, so it is returned still encoded.";
            } catch (Throwable e) {
                if (e instanceof VirtualMachineError error) {
                    throw error;
                }
                missing = "The body is encoded with br, but brotli4j is not usable here (" + e.getMessage()
                        + "), so it is returned still encoded.";
            }
            NEW_WRAPPER = h[0];
            STATUS = h[1];
            INPUT_BUFFER = h[2];
            PUSH = h[3];
            HAS_OUTPUT = h[4];
            PULL = h[5];
            DESTROY = h[6];
            MISSING = missing;
        }

        private Brotli() {
        }

        static boolean available() {
            return MISSING.isEmpty();
        }

        static Layer decode(byte[] in, int maxBytes) {
            if (!MISSING.isEmpty()) {
                return Layer.undecodable(MISSING);
            }
            Output out = new Output(maxBytes, in.length * 4L);
            Object decoder;
            try {
                decoder = NEW_WRAPPER.invoke(CHUNK);
            } catch (Throwable e) {
                return Layer.undecodable("The Brotli decoder failed to start (" + e + "), so the body is returned "
                        + "still encoded.");
            }
            try {
                int pos = 0;
                while (true) {
                    // Output can be waiting whatever the status says, notably when the input ran out.
                    while ((boolean) HAS_OUTPUT.invoke(decoder)) {
                        ByteBuffer chunk = (ByteBuffer) PULL.invoke(decoder);
                        byte[] bytes = new byte[chunk.remaining()];
                        chunk.get(bytes);
                        if (!out.write(bytes, 0, bytes.length)) {
                            return new Layer(out.toByteArray(), out.capProblem("br"));
                        }
                    }
                    String status = ((Enum<?>) STATUS.invoke(decoder)).name();
                    switch (status) {
                        case "OK" -> PUSH.invoke(decoder, 0);
                        case "NEEDS_MORE_INPUT" -> {
                            if (pos >= in.length) {
                                return new Layer(out.toByteArray(), "The br data ends early (the recording may have "
                                        + "been cut short), so the body is returned as far as it was decoded ("
                                        + Sizes.describe(out.size()) + ").");
                            }
                            ByteBuffer input = (ByteBuffer) INPUT_BUFFER.invoke(decoder);
                            input.clear();
                            int n = Math.min(input.remaining(), in.length - pos);
                            input.put(in, pos, n);
                            pos += n;
                            PUSH.invoke(decoder, n);
                        }
                        case "NEEDS_MORE_OUTPUT" -> {
                            // Pulled at the top of the loop.
                        }
                        case "DONE" -> {
                            return new Layer(out.toByteArray(), "");
                        }
                        default -> {
                            return out.size() == 0
                                    ? Layer.undecodable("The body is marked br but is not valid Brotli data, so it "
                                            + "is returned as it travelled.")
                                    : new Layer(out.toByteArray(), "The br data is damaged, so the body is returned "
                                            + "as far as it was decoded (" + Sizes.describe(out.size()) + ").");
                        }
                    }
                }
            } catch (Throwable e) {
                if (e instanceof VirtualMachineError error) {
                    throw error;
                }
                return new Layer(out.toByteArray(), "The Brotli decoder failed (" + e + "), so the body is returned "
                        + "as far as it was decoded.");
            } finally {
                try {
                    DESTROY.invoke(decoder);
                } catch (Throwable ignored) {
                    // Freeing native memory failed; nothing useful to tell the reader of a body.
                }
            }
        }
    }
}
