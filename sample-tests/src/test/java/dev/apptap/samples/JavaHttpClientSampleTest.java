package dev.apptap.samples;

import static dev.apptap.assertions.ApptapAssertions.assertThat;
import static dev.apptap.assertions.ApptapAssertions.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.junit.AppResult;
import dev.apptap.junit.Apps;
import dev.apptap.junit.InterceptApps;
import dev.apptap.junit.InterceptMode;
import dev.apptap.junit.InterceptRuntime;
import dev.apptap.flow.Flows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java program that uses {@code java.net.http.HttpClient}, started as a subprocess ({@code java HttpGet.java <url>},
 * the JDK's source launcher). It trusts apptap's CA through {@code JAVA_TOOL_OPTIONS}
 * ({@code -Djavax.net.ssl.trustStore=…}), which {@link Apps} sets. In OSPROXY mode it is caught by the name
 * {@code java}; apptap's own JVM, the one running this test, never is.
 */
@InterceptApps(value = "java", mode = InterceptMode.OSPROXY)
class JavaHttpClientSampleTest {

    static final LocalApi API = LocalApi.start();
    static final Duration PATIENCE = Duration.ofSeconds(5);

    /** The app under test: prints the status and the body of a GET. */
    static final String HTTP_GET = """
            import java.net.URI;
            import java.net.http.HttpClient;
            import java.net.http.HttpRequest;
            import java.net.http.HttpResponse;

            public class HttpGet {
                public static void main(String[] args) throws Exception {
                    HttpClient client = HttpClient.newHttpClient();
                    HttpRequest request = HttpRequest.newBuilder(URI.create(args[0]))
                            .header("Accept", "application/json").build();
                    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                    System.out.println(response.statusCode() + " " + response.body());
                }
            }
            """;

    @TempDir
    Path directory;
    Path program;

    @BeforeEach
    void writeTheProgram() throws IOException {
        program = Files.writeString(directory.resolve("HttpGet.java"), HTTP_GET);
    }

    @Test
    void getsJson(Apps apps, Flows flows) {
        AppResult java = apps.run("java", program.toString(), API.url("/v1/items"));

        assertThat(java.stdout().strip()).as(java.toString()).isEqualTo("200 [{\"id\":7,\"name\":\"lamp\"}]");
        // the spec "java" catches every other JVM on the machine too, so look at the flows to this app's API
        assertThat(flows).within(PATIENCE).httpFlows().toHost("api.example.test")
                .hasRequest(get(API.url("/v1/items")).withHeader("accept", "application/json"))
                .singleElement()
                .fromProcess("java")
                .usedTls()
                .hasStatus(200);
    }

    @Test
    void trustsApptapThroughJavaToolOptions(InterceptRuntime apptap) {
        assertThat(apptap.environment().get("JAVA_TOOL_OPTIONS"))
                .contains("-Djavax.net.ssl.trustStore=" + apptap.trustStore());
    }

    /**
     * HttpClient uses the default proxy selector, which reads {@code -Dhttps.proxyHost}; in LAUNCH mode
     * {@code JAVA_TOOL_OPTIONS} carries it, with no host exempt from the proxy.
     */
    @Nested
    @InterceptApps(value = "java", mode = InterceptMode.LAUNCH)
    class ThroughTheProxy {

        @Test
        void getsJsonThroughTheProxy(Apps apps, Flows flows, InterceptRuntime apptap) {
            assertThat(apptap.environment().get("JAVA_TOOL_OPTIONS")).contains("-Dhttps.proxyHost=");

            AppResult java = apps.run("java", program.toString(), API.url("/v1/items"));

            assertThat(java.stdout().strip()).as(java.toString()).startsWith("200 ");
            assertThat(flows).within(PATIENCE).httpFlows().hasRequest(get(API.url("/v1/items")))
                    .singleElement()
                    .fromProcess("java")
                    .hasStatus(200);
        }
    }
}
