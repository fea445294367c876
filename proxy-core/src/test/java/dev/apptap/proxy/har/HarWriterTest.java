package dev.apptap.proxy.har;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apptap.flow.Body;
import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.Endpoint;
import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.Headers;
import dev.apptap.flow.HttpFlow;
import dev.apptap.flow.HttpRequest;
import dev.apptap.flow.HttpResponse;
import dev.apptap.flow.ProcessInfo;
import dev.apptap.flow.TcpFlow;
import dev.apptap.flow.TlsInfo;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HarWriterTest {

    private static final ProcessInfo CURL = new ProcessInfo(4242, "curl", "/usr/bin/curl",
            List.of("curl", "-s", "https://api.example.test/v1/items?page=2&q=a%20b"));
    private static final Instant START = Instant.parse("2025-01-02T03:04:05Z");

    @TempDir
    Path dir;

    @Test
    void aStreamWritesEntriesAsTheyAreAddedAndTheSameEntriesAsTheWriter() throws Exception {
        Path file = dir.resolve("nested/stream.har");
        Path whole = dir.resolve("whole.har");

        try (HarStream stream = HarStream.open(file)) {
            stream.add(answered());
            stream.add(dnsQuery());
            stream.add(refusedCertificate());
            assertThat(Files.exists(file)).as("the file appears whole, at the end").isFalse();
            assertThat(stream.entries()).isEqualTo(2);
        }
        HarWriter.write(List.of(answered(), refusedCertificate()), whole);

        ObjectMapper json = new ObjectMapper();
        assertThat(json.readTree(file.toFile())).isEqualTo(json.readTree(whole.toFile()));
        assertThat(Files.exists(dir.resolve("nested/stream.har.tmp"))).isFalse();
    }

    @Test
    void writesHttpAndTcpFlowsWithProcessAndErrorAndLeavesDnsOut() throws Exception {
        Path file = dir.resolve("nested/run.har");

        HarWriter.write(List.of(answered(), refusedCertificate(), dnsQuery()), file);

        JsonNode log = new ObjectMapper().readTree(file.toFile()).get("log");
        assertThat(log.get("version").asText()).isEqualTo("1.2");
        assertThat(log.at("/creator/name").asText()).isEqualTo("apptap");
        assertThat(log.get("entries")).hasSize(2);
        assertThat(Files.exists(dir.resolve("nested/run.har.tmp"))).isFalse();

        JsonNode http = log.get("entries").get(0);
        assertThat(http.at("/request/method").asText()).isEqualTo("GET");
        assertThat(http.at("/request/queryString/1/value").asText()).isEqualTo("a b");
        assertThat(http.at("/response/status").asInt()).isEqualTo(200);
        assertThat(http.at("/response/content/text").asText()).isEqualTo("[1,2]");
        assertThat(http.get("time").asLong()).isEqualTo(12);
        assertThat(http.at("/_process/pid").asLong()).isEqualTo(4242);
        assertThat(http.at("/_process/commandLine/0").asText()).isEqualTo("curl");
        assertThat(http.get("_error").isNull()).isTrue();
        assertThat(http.at("/_tls/sni").asText()).isEqualTo("api.example.test");

        JsonNode tcp = log.get("entries").get(1);
        assertThat(tcp.at("/request/method").asText()).isEqualTo("CONNECT");
        assertThat(tcp.at("/response/status").asInt()).isZero();
        assertThat(tcp.get("_tcp").asBoolean()).isTrue();
        assertThat(tcp.at("/_error/kind").asText()).isEqualTo("CLIENT_REJECTED_CERTIFICATE");
        assertThat(tcp.at("/_error/message").asText()).contains("refused apptap's certificate");
    }

    @Test
    void harReaderReadsBackWhatTheWriterWroteAndSkipsNonHttpEntries() throws Exception {
        Path file = dir.resolve("run.har");
        HarWriter.write(List.of(answered(), refusedCertificate(), dnsQuery()), file);

        List<HarReader.Exchange> exchanges = HarReader.read(file);

        assertThat(exchanges).singleElement().satisfies(exchange -> {
            assertThat(exchange.entry()).isZero();
            assertThat(exchange.method()).isEqualTo("GET");
            assertThat(exchange.url()).isEqualTo("https://api.example.test/v1/items?page=2&q=a%20b");
            assertThat(exchange.status()).isEqualTo(200);
            assertThat(new String(exchange.responseBody(), StandardCharsets.UTF_8)).isEqualTo("[1,2]");
            assertThat(exchange.requestHeaders()).contains(Map.entry("Host", "api.example.test"));
        });
    }

    @Test
    void harReaderReadsMitmproxysZlibCompressedZhar() throws Exception {
        byte[] json = "{\"log\":{\"entries\":[{\"request\":{\"method\":\"GET\",\"url\":\"http://a.test/\"},\"response\":{\"status\":204,\"content\":{}}}]}}"
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (DeflaterOutputStream zlib = new DeflaterOutputStream(compressed)) {
            zlib.write(json);
        }
        Path file = Files.write(dir.resolve("flows.zhar"), compressed.toByteArray());

        assertThat(HarReader.read(file)).singleElement().satisfies(exchange -> {
            assertThat(exchange.status()).isEqualTo(204);
            assertThat(exchange.responseBody()).isEmpty();
        });
    }

    @Test
    void anEmptyListIsAValidLog() {
        JsonNode har = HarWriter.toHar(List.of());

        assertThat(har.at("/log/entries")).isEmpty();
        assertThat(har.at("/log/pages").isArray()).isTrue();
    }

    private static HttpFlow answered() {
        TlsInfo tls = new TlsInfo("api.example.test", List.of("h2", "http/1.1"), "http/1.1", "TLSv1.3",
                "TLS_AES_128_GCM_SHA256", false);
        HttpRequest request = new HttpRequest("GET", "https://api.example.test/v1/items?page=2&q=a%20b", "HTTP/1.1",
                Headers.of("Host", "api.example.test"), Body.EMPTY);
        HttpResponse response = new HttpResponse(200, "OK", "HTTP/1.1", Headers.of("Content-Type", "application/json"),
                Body.ofText("[1,2]", "application/json"), Headers.EMPTY);
        HttpFlow.Timings timings = HttpFlow.Timings.NONE.withRequestComplete(Duration.ofMillis(1))
                .withResponseHeaders(Duration.ofMillis(10)).withResponseComplete(Duration.ofMillis(12));
        return HttpFlow.started(1, START, CURL, Endpoint.of("127.0.0.1", 40000), Endpoint.of("api.example.test", 443),
                        Optional.of(tls), request)
                .withResponse(response).withTimings(timings).completed();
    }

    private static TcpFlow refusedCertificate() {
        return TcpFlow.started(2, START, CURL, Endpoint.of("127.0.0.1", 40001), Endpoint.of("api.example.test", 443),
                        Optional.empty())
                .withError(new FlowError(FlowError.Kind.CLIENT_REJECTED_CERTIFICATE,
                        "curl (pid 4242) refused apptap's certificate for api.example.test."))
                .completed(Duration.ofMillis(3));
    }

    private static Flow dnsQuery() {
        return DnsFlow.started(3, START, CURL, Endpoint.of("127.0.0.1", 5353), Endpoint.of("127.0.0.1", 53),
                        "api.example.test", "A", DnsFlow.Transport.UDP, DnsFlow.Resolution.STUBBED)
                .answered("NOERROR", List.of("127.0.0.1"), Duration.ofMillis(1));
    }
}
