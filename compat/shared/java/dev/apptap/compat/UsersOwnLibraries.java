package dev.apptap.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.junit.InterceptApps;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * What a compat project checks beyond the flows: the build's own Netty and Jackson (where it has them) are the
 * versions it chose, and apptap's relocated Netty still finds its native libraries under their relocated names. The
 * project names the versions it expects in system properties (compat.netty, compat.jackson); reflection, because
 * most projects have neither on their class path.
 */
final class UsersOwnLibraries {

    private UsersOwnLibraries() {
    }

    static void assertVersionsTheBuildChose() {
        String netty = System.getProperty("compat.netty", "");
        if (!netty.isEmpty()) {
            Object versions = call("io.netty.util.Version", "identify");
            Object common = ((Map<?, ?>) versions).get("netty-common");
            assertThat(common).as("the build's io.netty (%s)", versions).isNotNull();
            assertThat(call(common, "artifactVersion")).isEqualTo(netty);
        }
        String jackson = System.getProperty("compat.jackson", "");
        if (!jackson.isEmpty()) {
            Object version = field("com.fasterxml.jackson.databind.cfg.PackageVersion", "VERSION");
            assertThat(version).hasToString(jackson);
        }
    }

    /** Every class in the apptap-junit jar is apptap's or relocated under dev.apptap.shaded: none shadows yours. */
    static void assertJarHoldsOnlyRelocatedClasses() {
        Path jar;
        try {
            jar = Path.of(InterceptApps.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError("Cannot locate the jar of " + InterceptApps.class + ": " + e, e);
        }
        assertThat(jar.getFileName().toString()).as("where @InterceptApps comes from").startsWith("apptap-junit-");
        try (JarFile file = new JarFile(jar.toFile())) {
            List<String> foreign = file.stream().map(ZipEntry::getName)
                    .filter(name -> name.endsWith(".class") && !name.startsWith("dev/apptap/"))
                    .toList();
            assertThat(foreign).as("classes outside dev/apptap in %s", jar).isEmpty();
        } catch (IOException e) {
            throw new AssertionError("Cannot read " + jar + ": " + e, e);
        }
    }

    /** Linux x86-64 (CI): BoringSSL and epoll load from the jar under the relocated prefix, else Netty falls back. */
    static void assertBundledNativesLoad() {
        if (!"amd64".equals(System.getProperty("os.arch")) || !System.getProperty("os.name").equals("Linux")) {
            return;
        }
        assertThat(call("dev.apptap.shaded.io.netty.handler.ssl.OpenSsl", "isAvailable"))
                .as("relocated netty-tcnative loads: %s",
                        call("dev.apptap.shaded.io.netty.handler.ssl.OpenSsl", "unavailabilityCause"))
                .isEqualTo(true);
        assertThat(call("dev.apptap.shaded.io.netty.channel.epoll.Epoll", "isAvailable"))
                .as("relocated netty epoll loads: %s",
                        call("dev.apptap.shaded.io.netty.channel.epoll.Epoll", "unavailabilityCause"))
                .isEqualTo(true);
    }

    private static Object call(String type, String method) {
        try {
            return Class.forName(type).getMethod(method).invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("Cannot call " + type + "." + method + "(): " + e, e);
        }
    }

    private static Object call(Object target, String method) {
        try {
            return target.getClass().getMethod(method).invoke(target);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("Cannot call " + method + "() on " + target + ": " + e, e);
        }
    }

    private static Object field(String type, String name) {
        try {
            return Class.forName(type).getField(name).get(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("Cannot read " + type + "." + name + ": " + e, e);
        }
    }
}
