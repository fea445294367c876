package dev.apptap.proxy.launch;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import dev.apptap.proxy.ca.TrustExports;

/**
 * Environment variables that make a launched program trust apptap's CA and, in LAUNCH mode, send its traffic
 * through apptap's proxy. The variable list comes from HTTP Toolkit and httptap: each entry is read by at least
 * one common runtime or tool.
 *
 * <pre>{@code
 * TrustExports trust = TrustExports.write(CertificateAuthority.userDefault());
 * ProcessBuilder curl = new ProcessBuilder("curl", "-s", "https://example.com");
 * Map<String, String> env = curl.environment();
 * Map<String, String> merged = LaunchEnvironment.merge(env, LaunchEnvironment.proxy(proxyAddress, trust));
 * env.putAll(merged);   // JAVA_TOOL_OPTIONS and NODE_OPTIONS are extended, not replaced
 * }</pre>
 *
 * <p>All maps returned are unmodifiable and keep insertion order, so printing one gives a stable, readable list.
 */
public final class LaunchEnvironment {

    /** Variables holding option lists, which apptap extends rather than replaces. */
    static final Set<String> OPTION_LISTS = Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "NODE_OPTIONS");

    /**
     * Empty, deliberately. Java skips the proxy for localhost, 127.* and [::1] by default, and (checked on JDK 17)
     * appends those patterns to any non-empty http.nonProxyHosts, so a dummy value such as "apptap.invalid" still
     * lets local traffic bypass apptap; only the empty string removes every exemption.
     */
    static final String NON_PROXY_HOSTS = "";

    private LaunchEnvironment() {
    }

    /**
     * Variables that make OpenSSL, curl, Python (requests, ssl), Node, Deno, git, Cargo, the AWS CLI and SDKs,
     * Perl LWP and Java trust apptap's CA in addition to their usual roots, and that override the CA file npm, pip,
     * Bundler and Hex may have pinned in their own configuration.
     */
    public static Map<String, String> trust(TrustExports exports) {
        Objects.requireNonNull(exports, "exports");
        Map<String, String> env = new LinkedHashMap<>();
        putTrust(env, exports);
        env.put("JAVA_TOOL_OPTIONS", javaTrustOptions(exports));
        return Collections.unmodifiableMap(env);
    }

    /**
     * {@link #trust(TrustExports)} plus the proxy variables: {@code HTTP(S)_PROXY} and their lower-case twins
     * pointing at {@code proxy}, {@code NO_PROXY} cleared, the npm and global-agent variants, Node's opt-in
     * {@code NODE_USE_ENV_PROXY}, and Java's {@code http(s).proxyHost/Port} with no host exempt.
     *
     * @param proxy where apptap's explicit proxy listens; a wildcard address is replaced by loopback, which is
     *              where a local program can reach it
     */
    public static Map<String, String> proxy(InetSocketAddress proxy, TrustExports exports) {
        Objects.requireNonNull(proxy, "proxy");
        Objects.requireNonNull(exports, "exports");
        String host = reachableHost(proxy);
        String url = "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + proxy.getPort();
        Map<String, String> env = new LinkedHashMap<>();
        putTrust(env, exports);
        env.put("HTTP_PROXY", url);
        env.put("HTTPS_PROXY", url);
        env.put("http_proxy", url);
        env.put("https_proxy", url);
        // an inherited NO_PROXY=localhost would let local test servers bypass apptap
        env.put("NO_PROXY", "");
        env.put("no_proxy", "");
        env.put("GLOBAL_AGENT_HTTP_PROXY", url);
        env.put("npm_config_proxy", url);
        env.put("npm_config_https_proxy", url);
        // Node 24+ ignores HTTP(S)_PROXY unless asked to honour them
        env.put("NODE_USE_ENV_PROXY", "1");
        env.put("JAVA_TOOL_OPTIONS", javaTrustOptions(exports)
                + " -Dhttp.proxyHost=" + host + " -Dhttp.proxyPort=" + proxy.getPort()
                + " -Dhttps.proxyHost=" + host + " -Dhttps.proxyPort=" + proxy.getPort()
                + " -Dhttp.nonProxyHosts=" + NON_PROXY_HOSTS);
        return Collections.unmodifiableMap(env);
    }

    /**
     * {@code base} with {@code apptap} laid over it, except that option lists ({@code JAVA_TOOL_OPTIONS},
     * {@code JDK_JAVA_OPTIONS}, {@code _JAVA_OPTIONS}, {@code NODE_OPTIONS}) already present in {@code base} keep
     * their options and get apptap's appended; for repeated {@code -D} options the JVM keeps the last, so
     * apptap's settings win while the user's other options survive.
     */
    public static Map<String, String> merge(Map<String, String> base, Map<String, String> apptap) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(apptap, "apptap");
        Map<String, String> merged = new LinkedHashMap<>(base);
        apptap.forEach((name, value) -> {
            String existing = base.get(name);
            if (OPTION_LISTS.contains(name) && existing != null && !existing.isBlank() && !value.isBlank()) {
                merged.put(name, existing.strip() + " " + value);
            } else {
                merged.put(name, value);
            }
        });
        return Collections.unmodifiableMap(merged);
    }

    private static void putTrust(Map<String, String> env, TrustExports exports) {
        String bundle = exports.caBundle().toString();
        env.put("SSL_CERT_FILE", bundle);
        env.put("SSL_CERT_DIR", exports.certificateDirectory().toString());
        env.put("CURL_CA_BUNDLE", bundle);
        env.put("REQUESTS_CA_BUNDLE", bundle);
        // Node adds these to its built-in roots, so the CA alone is enough
        env.put("NODE_EXTRA_CA_CERTS", exports.caCertificate().toString());
        env.put("DENO_CERT", bundle);
        env.put("GIT_SSL_CAINFO", bundle);
        env.put("CARGO_HTTP_CAINFO", bundle);
        env.put("AWS_CA_BUNDLE", bundle);
        env.put("PERL_LWP_SSL_CA_FILE", bundle);
        // Package managers that pin their own CA file (npmrc's cafile, pip.conf's cert=) would otherwise refuse
        // apptap; these variables outrank their config files. A pinned file replaces the default roots, so each gets
        // the whole bundle. Where each is documented: npm's config page (any npm_config_<key>, here `cafile`; pnpm
        // reads it too, and yarn 1 falls back to npm's config), pip's "HTTPS Certificates" page (PIP_CERT),
        // Bundler's `bundle config` (ssl_ca_cert) and Mix's Hex docs (HEX_CACERTS_PATH). No YARN_* variable: yarn 2+
        // refuses to start on an environment setting its version does not know, and the CA file setting has been
        // httpsCaFilePath in some versions and caFilePath in others; yarn 2+ without a pinned file reads
        // NODE_EXTRA_CA_CERTS.
        env.put("npm_config_cafile", bundle);
        env.put("PIP_CERT", bundle);
        env.put("BUNDLE_SSL_CA_CERT", bundle);
        env.put("HEX_CACERTS_PATH", bundle);
    }

    private static String javaTrustOptions(TrustExports exports) {
        return javaOption("javax.net.ssl.trustStore", exports.trustStore())
                + " -Djavax.net.ssl.trustStorePassword=" + exports.trustStorePassword()
                + " -Djavax.net.ssl.trustStoreType=" + exports.trustStoreType();
    }

    /** JAVA_TOOL_OPTIONS splits on whitespace but honours quotes (JDK 9+), so quote paths that need it. */
    static String javaOption(String name, Path value) {
        String option = "-D" + name + "=" + value;
        return option.chars().anyMatch(Character::isWhitespace) ? "\"" + option + "\"" : option;
    }

    /** Never resolves: the host string is used as given, and wildcard addresses become loopback. */
    private static String reachableHost(InetSocketAddress proxy) {
        InetAddress address = proxy.getAddress();
        if (address == null) {
            return proxy.getHostString();
        }
        if (address.isAnyLocalAddress()) {
            return address instanceof Inet6Address ? "::1" : "127.0.0.1";
        }
        return address.getHostAddress();
    }
}
