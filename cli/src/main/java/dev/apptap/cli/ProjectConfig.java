package dev.apptap.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code .apptap.properties}: the stubs, routes and options a team shares, read from the home directory and then the
 * working directory (whose values win). Stubs and routes add to those on the command line, which win where both
 * match a request; other keys are option defaults, named as the long option without its dashes:
 *
 * <pre>
 * offline=true
 * stub.login=POST https://api.example.test/v1/login 200 {"token":"t"}
 * stub.items=GET https://api.example.test/v1/items 200 @fixtures/items.json
 * route.payments=payments.example.test=localhost:8443
 * fault.slow-items=GET https://api.example.test/v1/items delay=2s
 * </pre>
 */
final class ProjectConfig implements IDefaultValueProvider {

    static final String FILE = ".apptap.properties";

    private final Map<String, String> values;
    private final Map<String, Path> origin;

    private ProjectConfig(Map<String, String> values, Map<String, Path> origin) {
        this.values = values;
        this.origin = origin;
    }

    /** The files in {@code home} and {@code workingDirectory}, whichever exist; none gives an empty config. */
    static ProjectConfig load(Path home, Path workingDirectory) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, Path> origin = new LinkedHashMap<>();
        for (Path dir : List.of(home, workingDirectory)) {
            Path file = dir.resolve(FILE).toAbsolutePath().normalize();
            if (!Files.isRegularFile(file) || origin.containsValue(file)) {
                continue;
            }
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException | IllegalArgumentException e) {
                throw new CliFailure("apptap could not read " + file + ": " + e.getMessage() + "; fix or remove it",
                        Apptap.USAGE);
            }
            for (String key : new TreeSet<>(properties.stringPropertyNames())) {
                values.put(key, properties.getProperty(key).strip());
                origin.put(key, file);
            }
        }
        return new ProjectConfig(values, origin);
    }

    /** The config of this process: {@code ~/.apptap.properties}, then {@code ./.apptap.properties}. */
    static ProjectConfig current() {
        return load(Path.of(System.getProperty("user.home")), Path.of("").toAbsolutePath());
    }

    /**
     * Fails, naming the file, on a key that is neither {@code stub.*}, {@code route.*}, {@code fault.*} nor a long option of
     * {@code root} or its subcommands, so that a typo does not silently do nothing.
     */
    ProjectConfig checkKeys(CommandLine root) {
        Set<String> known = new TreeSet<>();
        collectOptions(root.getCommandSpec(), known);
        for (String key : values.keySet()) {
            if (!key.startsWith("stub.") && !key.startsWith("route.") && !key.startsWith("fault.")
                    && !known.contains(key)) {
                throw new CliFailure(origin.get(key) + " sets '" + key + "', which is not an option of apptap; use"
                        + " stub.<name>, route.<name>, fault.<name> or an option's long name without its dashes, such as offline",
                        Apptap.USAGE);
            }
        }
        return this;
    }

    private static void collectOptions(CommandSpec spec, Set<String> names) {
        for (OptionSpec option : spec.options()) {
            names.add(key(option));
        }
        spec.subcommands().values().forEach(sub -> collectOptions(sub.getCommandSpec(), names));
    }

    @Override
    public String defaultValue(ArgSpec argument) {
        if (argument instanceof OptionSpec option && !option.longestName().equals("--stub")
                && !option.longestName().equals("--route") && !option.longestName().equals("--fault")) {
            return values.get(key(option));
        }
        return null;
    }

    /** The {@code stub.*} entries, in key order, parsed as {@code --stub} values. */
    List<StubSpec> stubs() {
        return parsed("stub.", "--stub", value -> new StubSpec.Converter().convert(value));
    }

    /** The {@code route.*} entries, in key order, parsed as {@code --route} values. */
    List<RouteSpec> routes() {
        return parsed("route.", "--route", value -> new RouteSpec.Converter().convert(value));
    }

    /** The {@code fault.*} entries, in key order, parsed as {@code --fault} values. */
    List<FaultSpec> faults() {
        return parsed("fault.", "--fault", value -> new FaultSpec.Converter().convert(value));
    }

    private <T> List<T> parsed(String prefix, String option, ITypeConverter<T> converter) {
        List<T> parsed = new ArrayList<>();
        for (Map.Entry<String, String> entry : new TreeSet<>(values.keySet()).stream()
                .filter(k -> k.startsWith(prefix)).map(k -> Map.entry(k, values.get(k))).toList()) {
            try {
                parsed.add(converter.convert(entry.getValue()));
            } catch (Exception e) {
                throw new CliFailure(origin.get(entry.getKey()) + " sets " + entry.getKey() + ", which is not a valid "
                        + option + " value: " + Sentences.clause(e.getMessage()), Apptap.USAGE);
            }
        }
        return parsed;
    }

    private static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }

}
