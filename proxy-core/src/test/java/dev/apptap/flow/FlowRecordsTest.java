package dev.apptap.flow;

import static dev.apptap.flow.TestFlows.CURL;
import static dev.apptap.flow.TestFlows.answered;
import static dev.apptap.flow.TestFlows.get;
import static dev.apptap.flow.TestFlows.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class FlowRecordsTest {

    @Test
    void startedHttpFlowWaitsForItsResponse() {
        HttpFlow flow = get(1, "/v1/items?id=7");

        assertThat(flow.isComplete()).isFalse();
        assertThat(flow.status()).isEqualTo(-1);
        assertThat(flow.summary()).isEqualTo("curl GET https://api.example.test/v1/items?id=7 → (waiting for the response)");
    }

    @Test
    void withersProduceTheNextSnapshotAndLeaveTheOldOneAlone() {
        HttpFlow started = get(1, "/a");

        HttpFlow done = answered(started, 200, "hello");

        assertThat(started.response()).isEmpty();
        assertThat(done.status()).isEqualTo(200);
        assertThat(done.isComplete()).isTrue();
        assertThat(done.timings().total()).contains(Duration.ofMillis(12));
        assertThat(done.timings().waiting()).contains(Duration.ofMillis(4));
        assertThat(done.summary()).isEqualTo("curl GET https://api.example.test/a → 200 (5 B, 12 ms)");
    }

    @Test
    void errorIsRecordedWithoutEndingTheFlowUntilCompleted() {
        FlowError refused = new FlowError(FlowError.Kind.UPSTREAM_REFUSED,
                "The upstream api.example.test:443 refused the connection.");

        HttpFlow failed = get(1, "/a").withError(refused);

        assertThat(failed.isComplete()).isFalse();
        assertThat(failed.completed().isComplete()).isTrue();
        assertThat(failed.summary()).endsWith("✗ The upstream api.example.test:443 refused the connection.");
    }

    @Test
    void requestAndResponseBodiesCanGrow() {
        HttpFlow flow = get(1, "/upload");
        HttpFlow grown = flow.withRequest(flow.request().withBody(Body.ofText("part", "text/plain")));

        assertThat(grown.request().body().text()).isEqualTo("part");
        HttpResponse response = answered(flow, 200, "a").response().orElseThrow();
        assertThat(response.withBody(Body.ofText("ab", "text/plain")).body().size()).isEqualTo(2);
        assertThat(response.withTrailers(Headers.of("grpc-status", "0")).trailers().first("GRPC-STATUS"))
                .contains("0");
    }

    @Test
    void tcpFlowRecordsBothDirectionsAndItsDuration() {
        TcpFlow flow = tcp(1, CURL)
                .withFromClient(Body.ofText("ping", ""))
                .withFromServer(Body.ofText("pong!", ""))
                .withTls(new TlsInfo("db.example.test", List.of("postgresql"), "postgresql", "TLSv1.3",
                        "TLS_AES_128_GCM_SHA256", false))
                .completed(Duration.ofMillis(30));

        assertThat(flow.isComplete()).isTrue();
        assertThat(flow.summary()).isEqualTo("curl tls://db.example.test:5432 ↑4 B ↓5 B (30 ms)");
    }

    @Test
    void capturedBodyKnowsHowMuchWasRecorded() {
        BodyCapture capture = new BodyCapture(4);
        byte[] chunk = BodyDecodingTest.utf8("abcdefgh");
        capture.append(chunk, 0, chunk.length);

        Body body = capture.toBody("text/plain", "");

        assertThat(body.recordedSize()).isEqualTo(4);
        assertThat(body.size()).isEqualTo(8);
        assertThat(body.text()).isEqualTo("abcd");
        assertThat(body.decodingProblem()).isEmpty();
    }

    @Test
    void aSnapshotOfAGrowingBodyKeepsTheBytesItWasTakenWith() {
        BodyCapture capture = new BodyCapture(1 << 20);
        capture.expect(8);
        capture.append(BodyDecodingTest.utf8("abcd"), 0, 4);

        Body early = capture.toBody("text/plain", "");
        capture.append(BodyDecodingTest.utf8("efgh"), 0, 4);
        Body late = capture.toBody("text/plain", "");

        assertThat(early.text()).isEqualTo("abcd");
        assertThat(early.recordedSize()).isEqualTo(4);
        assertThat(early).isNotEqualTo(late);
        assertThat(late.text()).isEqualTo("abcdefgh");
        assertThat(late).isEqualTo(Body.of(BodyDecodingTest.utf8("abcdefgh"), "text/plain"));
        assertThat(late.hashCode()).isEqualTo(Body.of(BodyDecodingTest.utf8("abcdefgh"), "text/plain").hashCode());
    }

    @Test
    void aBodyLongerThanItsContentLengthAnnouncedIsStillRecordedWhole() {
        BodyCapture capture = new BodyCapture(1 << 20);
        capture.expect(2);
        byte[] chunk = BodyDecodingTest.utf8("abcdefgh");
        capture.append(ByteBuffer.wrap(chunk, 0, 5));
        capture.append(chunk, 5, 3);

        assertThat(capture.toBody("text/plain", "").text()).isEqualTo("abcdefgh");
        assertThat(capture.size()).isEqualTo(8);
    }

    @Test
    void everyKindOfFlowAnswersForItsHostTargetSizesAndDurationWithoutATypeTest() {
        HttpFlow http = answered(get(1, "/v1/items").withRequest(get(1, "/v1/items").request()
                .withBody(Body.ofText("{}", "application/json"))), 200, "hello");
        TcpFlow passthrough = tcp(2, CURL).withTls(new TlsInfo("db.example.test", List.of(), "", "", "", true))
                .withFromClient(Body.ofText("ping", "")).withFromServer(Body.ofText("pong!", ""))
                .completed(Duration.ofMillis(30));
        DnsFlow lookup = DnsFlow.started(3, http.startedAt(), CURL, TestFlows.CLIENT, Endpoint.of("127.0.0.53", 53),
                "api.example.test", "A", DnsFlow.Transport.UDP, DnsFlow.Resolution.FORWARDED);

        List<Flow> flows = List.of(http, passthrough, lookup);

        assertThat(flows).extracting(Flow::host).containsExactly("api.example.test", "db.example.test", "127.0.0.53");
        assertThat(flows).extracting(Flow::target)
                .containsExactly("GET https://api.example.test/v1/items", "tls://db.example.test:5432", "DNS A api.example.test");
        assertThat(flows).extracting(Flow::bytesSent).containsExactly(2L, 4L, 0L);
        assertThat(flows).extracting(Flow::bytesReceived).containsExactly(5L, 5L, 0L);
        assertThat(flows).extracting(Flow::duration)
                .containsExactly(Optional.of(Duration.ofMillis(12)), Optional.of(Duration.ofMillis(30)), Optional.empty());
    }

    @Test
    void theHostOfAFlowWithoutAnHttpRequestIsTheNameTheAppSentInTls() {
        TcpFlow refused = TcpFlow.started(4, Instant.EPOCH, CURL,
                TestFlows.CLIENT, Endpoint.of("10.0.0.7", 443), Optional.of(new TlsInfo("shop.example.test", List.of(),
                        "", "", "", false)));

        assertThat(refused.host()).isEqualTo("shop.example.test");
        assertThat(tcp(5, CURL).host()).isEqualTo("db.example.test");
    }
}
