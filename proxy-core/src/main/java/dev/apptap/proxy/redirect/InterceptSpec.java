package dev.apptap.proxy.redirect;

import dev.apptap.flow.ProcessInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Which processes to intercept, in mitmproxy's local-mode grammar so users can carry specs over:
 * comma-separated items, a number is a pid, anything else a process name, a leading {@code !} excludes.
 * Evaluation starts from "intercept everything" when the first item is an exclusion, else from "nothing";
 * then, left to right, an include ORs its match in and an exclude ANDs its non-match in.
 *
 * <pre>{@code
 * InterceptSpec.parse("curl,wget");   // only curl and wget
 * InterceptSpec.parse("!curl");       // everything but curl
 * InterceptSpec.parse("4242");        // the process 4242
 * InterceptSpec.parse("");            // nothing (only apps started through apptap's launcher)
 * }</pre>
 *
 * <p>Unlike mitmproxy on Linux, a name matches the executable's file name (so a Java program's renamed
 * threads still match {@code java}) as well as the kernel's short process name. Redirectors add what a spec
 * cannot say: descendants of matched processes match too, and apptap's own JVM never does.
 */
public final class InterceptSpec {

    /** Intercepts nothing. */
    public static final InterceptSpec NOTHING = new InterceptSpec(List.of());

    private final List<Item> items;

    private InterceptSpec(List<Item> items) {
        this.items = List.copyOf(items);
    }

    /**
     * Parses {@code spec}.
     *
     * @throws IllegalArgumentException with a sentence naming the bad item
     */
    public static InterceptSpec parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        String trimmed = spec.trim();
        if (trimmed.isEmpty()) {
            return NOTHING;
        }
        List<Item> items = new ArrayList<>();
        for (String raw : trimmed.split(",", -1)) {
            items.add(Item.parse(raw.trim(), spec));
        }
        return new InterceptSpec(items);
    }

    /** The spec made of {@code items}, each in the grammar above ({@code "curl"}, {@code "!wget"}, {@code "4242"}). */
    public static InterceptSpec of(List<String> items) {
        return parse(String.join(",", items));
    }

    public List<Item> items() {
        return items;
    }

    public boolean isEmpty() {
        return items.isEmpty();
    }

    /** What an unmatched process gets: {@code true} when the first item is an exclusion. */
    public boolean interceptsByDefault() {
        return !items.isEmpty() && items.get(0).exclude();
    }

    /** Whether the process {@code pid} with executable file name {@code name} (and kernel name {@code comm}) is intercepted. */
    public boolean matches(long pid, String name, String comm) {
        boolean intercept = interceptsByDefault();
        for (Item item : items) {
            boolean hit = item.matches(pid, name, comm);
            intercept = item.exclude() ? intercept && !hit : intercept || hit;
        }
        return intercept;
    }

    /** Whether {@code process} is intercepted, by its pid and executable's file name. */
    public boolean matches(ProcessInfo process) {
        String file = process.executable().isEmpty() ? process.name()
                : Path.of(process.executable()).getFileName().toString();
        return matches(process.pid(), file, process.name());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InterceptSpec other && items.equals(other.items);
    }

    @Override
    public int hashCode() {
        return items.hashCode();
    }

    /** The spec in its grammar; {@code InterceptSpec.parse(spec.toString())} equals {@code spec}. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (Item item : items) {
            parts.add(item.toString());
        }
        return String.join(",", parts);
    }

    /**
     * One item: a pid or a process name, included or excluded.
     *
     * @param exclude whether the item excludes ({@code !name})
     * @param pid     the pid, when the item is a number
     * @param name    the process name, when it is not
     */
    public record Item(boolean exclude, OptionalLong pid, String name) {

        static Item parse(String raw, String spec) {
            boolean exclude = raw.startsWith("!");
            String pattern = (exclude ? raw.substring(1) : raw).trim();
            if (pattern.isEmpty()) {
                throw new IllegalArgumentException("The intercept spec '" + spec + "' has an empty item; write names"
                        + " or pids separated by commas, such as 'curl,wget' or '!java'.");
            }
            if (pattern.chars().allMatch(Character::isDigit)) {
                try {
                    return new Item(exclude, OptionalLong.of(Long.parseLong(pattern)), "");
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("The intercept spec '" + spec + "' names the pid " + pattern
                            + ", which is too large to be a process id.", e);
                }
            }
            if (pattern.contains("/")) {
                throw new IllegalArgumentException("The intercept spec '" + spec + "' names '" + pattern
                        + "', but items are process names, not paths; write '"
                        + pattern.substring(pattern.lastIndexOf('/') + 1) + "' instead.");
            }
            return new Item(exclude, OptionalLong.empty(), pattern);
        }

        boolean matches(long processId, String executableName, String comm) {
            if (pid.isPresent()) {
                return pid.getAsLong() == processId;
            }
            return name.equals(executableName) || name.equals(comm);
        }

        @Override
        public String toString() {
            return (exclude ? "!" : "") + (pid.isPresent() ? Long.toString(pid.getAsLong()) : name);
        }
    }
}
