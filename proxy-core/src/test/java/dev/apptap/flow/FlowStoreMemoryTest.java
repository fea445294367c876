package dev.apptap.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Runs a store in a JVM with a 64 MiB heap, because an in-process measurement would share the heap with the
 * test runner and be at the mercy of whatever it allocated.
 */
class FlowStoreMemoryTest {

    static final int FLOWS = 10_000;

    @Test
    void tenThousandFlowsWithKibibyteBodiesFitInSixtyFourMebibytes() throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-Xmx64m", "-XX:+UseSerialGC", "-cp", classPath,
                Probe.class.getName())
                .redirectErrorStream(true)
                .start();
        boolean ended = child.waitFor(60, TimeUnit.SECONDS);
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
            child.destroyForcibly();
        }

        assertThat(ended).as("The probe JVM should end within a minute; it printed:%n%s", output).isTrue();
        assertThat(child.exitValue()).as("The probe JVM failed; it printed:%n%s", output).isZero();
        assertThat(output).contains("flows=" + FLOWS);
        long used = Long.parseLong(output.replaceAll("(?s).*heapUsedAfterGcBytes=(\\d+).*", "$1"));
        // The heap cap alone would only fail at 64 MiB; a tighter bound catches a regression while it is small.
        assertThat(used).as("Heap in use after publishing %d flows; the probe printed:%n%s", FLOWS, output)
                .isLessThan(56L << 20);
        System.out.println("Memory probe: " + output.trim());
    }

    /** Publishes flows the way the engine does: four snapshots each, freshly decoded strings for every header. */
    static final class Probe {
        public static void main(String[] args) {
            FlowStore store = new FlowStore();
            byte[] kibibyte = new byte[1024];
            for (int i = 0; i < FLOWS; i++) {
                HttpRequest request = new HttpRequest("POST", "https://api.example.test/v1/items/" + i, "HTTP/1.1",
                        headers(i, "request"), Body.EMPTY);
                HttpFlow flow = HttpFlow.started(store.nextId(), Instant.now(), TestFlows.CURL, TestFlows.CLIENT,
                        Endpoint.of("api.example.test", 443), Optional.empty(), request);
                store.publish(flow);
                BodyCapture requestBody = new BodyCapture(1 << 20);
                requestBody.append(kibibyte, 0, kibibyte.length);
                flow = flow.withRequest(request.withBody(requestBody.toBody("application/json", "")))
                        .withTimings(HttpFlow.Timings.NONE.withRequestComplete(Duration.ofMillis(1)));
                store.publish(flow);
                HttpResponse response = new HttpResponse(200, "OK", "HTTP/1.1", headers(i, "response"), Body.EMPTY,
                        Headers.EMPTY);
                flow = flow.withResponse(response);
                store.publish(flow);
                BodyCapture responseBody = new BodyCapture(1 << 20);
                responseBody.append(kibibyte, 0, kibibyte.length);
                store.publish(flow.withResponse(response.withBody(responseBody.toBody("application/json", "")))
                        .completed());
            }
            System.gc();
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            System.out.println("flows=" + store.size() + " heapUsedAfterGcBytes=" + used + " ("
                    + Sizes.describe(used) + ", " + used / FLOWS + " B per flow)");
        }

        /** Eight fields with values unique to the flow, as Netty hands them over: new String objects each time. */
        private static Headers headers(int i, String side) {
            List<Map.Entry<String, String>> fields = new ArrayList<>();
            fields.add(Map.entry(fresh("Content-Type"), fresh("application/json")));
            fields.add(Map.entry(fresh("Content-Length"), fresh("1024")));
            fields.add(Map.entry(fresh("Date"), "Wed, 01 Jan 2025 00:00:" + (i % 60) + " GMT"));
            fields.add(Map.entry(fresh("X-Request-Id"), side + "-" + i + "-0f8fad5b-d9cb-469f-a165-70867728950e"));
            fields.add(Map.entry(fresh("User-Agent"), fresh("curl/8.5.0")));
            fields.add(Map.entry(fresh("Accept"), fresh("*/*")));
            fields.add(Map.entry(fresh("Cache-Control"), fresh("no-cache")));
            fields.add(Map.entry(fresh("Host"), fresh("api.example.test")));
            return Headers.of(fields);
        }

        /** A string with its own array, like one decoded from the wire ({@code new String(String)} would share). */
        private static String fresh(String s) {
            return new String(s.toCharArray());
        }
    }

}
