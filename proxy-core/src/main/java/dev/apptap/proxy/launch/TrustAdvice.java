package dev.apptap.proxy.launch;

import dev.apptap.proxy.ca.TrustExports;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Which variable makes a given app trust apptap's CA: the one fact behind every "it does not trust apptap's CA"
 * message, whether the engine, an assertion, the JUnit extension or the CLI writes it. {@link LaunchEnvironment}
 * sets all of the variables at once; this names the one a person should set by hand, with the value
 * {@link LaunchEnvironment#trust(TrustExports)} gives it.
 *
 * <pre>{@code
 * TrustAdvice.settingFor("python3", exports)   // SSL_CERT_FILE=/home/me/.apptap/ca-bundle.pem REQUESTS_CA_BUNDLE=/home/me/.apptap/ca-bundle.pem
 * TrustAdvice.settingFor("node")               // NODE_EXTRA_CA_CERTS=<apptap's CA certificate>
 * }</pre>
 *
 * <p>An app that is not listed gets {@code SSL_CERT_FILE}, which OpenSSL-based apps read. To teach apptap another
 * app, add one line to {@link #APPS} (and its variable to {@link LaunchEnvironment}).
 */
public final class TrustAdvice {

    /** First match wins; the variables are the ones {@link LaunchEnvironment#trust(TrustExports)} sets. */
    private static final List<App> APPS = List.of(
            new App(name -> name.equals("curl"), "CURL_CA_BUNDLE"),
            new App(name -> name.startsWith("python"), "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"),
            new App(name -> name.equals("deno"), "DENO_CERT"),
            new App(name -> name.equals("node") || name.equals("bun"), "NODE_EXTRA_CA_CERTS"),
            new App(name -> name.equals("java"), "JAVA_TOOL_OPTIONS"),
            new App(name -> name.startsWith("git"), "GIT_SSL_CAINFO"),
            new App(name -> name.equals("cargo"), "CARGO_HTTP_CAINFO"),
            new App(name -> name.equals("aws"), "AWS_CA_BUNDLE"));

    private static final String ANY_APP = "SSL_CERT_FILE";

    /** What each variable holds, for messages written where apptap's files are not known. */
    private static final Map<String, String> DESCRIBED = Map.of(
            "NODE_EXTRA_CA_CERTS", "<apptap's CA certificate>",
            "JAVA_TOOL_OPTIONS", "-Djavax.net.ssl.trustStore=<apptap's trust store>");
    private static final String DESCRIBED_BUNDLE = "<apptap's CA bundle>";

    private TrustAdvice() {
    }

    /**
     * The variables that make {@code app} (a process name such as {@code curl} or {@code python3.11}) trust
     * apptap's CA, as {@code NAME=value} pairs with the paths of {@code exports}, ready to paste into a shell.
     */
    public static String settingFor(String app, TrustExports exports) {
        Objects.requireNonNull(exports, "exports");
        Map<String, String> environment = LaunchEnvironment.trust(exports);
        return variablesFor(app).stream().map(name -> name + "=" + quoted(environment.get(name)))
                .collect(Collectors.joining(" "));
    }

    /** As {@link #settingFor(String, TrustExports)}, for messages written where apptap's files are not known. */
    public static String settingFor(String app) {
        return variablesFor(app).stream().map(name -> name + "=" + DESCRIBED.getOrDefault(name, DESCRIBED_BUNDLE))
                .collect(Collectors.joining(" "));
    }

    /** The names of the variables {@code app} reads its trusted CAs from. */
    static List<String> variablesFor(String app) {
        String name = app == null ? "" : app.toLowerCase(Locale.ROOT);
        return APPS.stream().filter(a -> a.matches().test(name)).findFirst().map(App::variables)
                .orElse(List.of(ANY_APP));
    }

    private static String quoted(String value) {
        return value.chars().anyMatch(Character::isWhitespace) ? "'" + value + "'" : value;
    }

    private record App(Predicate<String> matches, List<String> variables) {
        App(Predicate<String> matches, String... variables) {
            this(matches, List.of(variables));
        }
    }
}
