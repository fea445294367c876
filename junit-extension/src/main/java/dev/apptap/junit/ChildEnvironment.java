package dev.apptap.junit;

import dev.apptap.proxy.ca.TrustExports;
import dev.apptap.proxy.launch.LaunchEnvironment;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The environment of programs a test starts: the JVM's own, without inherited proxies, plus apptap's variables. */
final class ChildEnvironment {

    private ChildEnvironment() {
    }

    static Map<String, String> build(Map<String, String> inherited, InterceptMode mode, InetSocketAddress proxy,
                                     TrustExports trust) {
        Map<String, String> base = new LinkedHashMap<>(inherited);
        // A developer's corporate proxy would otherwise carry the app past apptap in OSPROXY mode, or chain
        // apptap's upstream through it in LAUNCH mode when the app prefers lower-case names.
        base.keySet().removeIf(ChildEnvironment::isProxyVariable);
        Map<String, String> apptap = mode == InterceptMode.LAUNCH
                ? LaunchEnvironment.proxy(proxy, trust) : LaunchEnvironment.trust(trust);
        return LaunchEnvironment.merge(base, apptap);
    }

    static boolean isProxyVariable(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith("_proxy") || lower.startsWith("global_agent_")
                || lower.equals("npm_config_proxy") || lower.equals("npm_config_https_proxy");
    }
}
