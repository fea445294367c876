package dev.apptap.proxy.rules;

import static dev.apptap.proxy.rules.Actions.closeConnection;
import static dev.apptap.proxy.rules.Actions.forwardTo;
import static dev.apptap.proxy.rules.Actions.forwardToTls;
import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.Actions.respondJson;
import static dev.apptap.proxy.rules.Actions.respondWithFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.entry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.apptap.proxy.testing.TestPki;

class ActionsTest {

    private static String text(Respond response) {
        return new String(((Respond.Content.Inline) response.content()).bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void respondWithoutBodyIsEmptyWithoutContentType() {
        Respond response = respond(204);

        assertThat(response.status()).isEqualTo(204);
        assertThat(response.content().length()).isZero();
        assertThat(response.headers()).isEmpty();
        assertThat(response.delay()).isZero();
    }

    @Test
    void textBodyIsUtf8PlainTextWithHeadersInOrder() {
        Respond response = respond(200).withBody("ök").withHeader("Set-Cookie", "a=1").withHeader("Set-Cookie", "b=2");

        assertThat(text(response)).isEqualTo("ök");
        assertThat(response.headers()).containsExactly(entry("Content-Type", "text/plain; charset=utf-8"),
                entry("Set-Cookie", "a=1"), entry("Set-Cookie", "b=2"));
    }

    @Test
    void explicitContentTypeWinsWhicheverComesFirst() {
        Respond before = respond(200).withHeader("content-type", "text/csv").withBody("a,b");
        Respond after = respond(200).withBody("a,b").withHeader("content-type", "text/csv");

        assertThat(before.headers()).containsExactly(entry("content-type", "text/csv"));
        assertThat(after.headers()).containsExactly(entry("content-type", "text/csv"));
    }

    @Test
    void bytesBodyIsCopiedAndOctetStream() {
        byte[] bytes = {1, 2, 3};
        Respond response = respond(200).withBody(bytes);
        bytes[0] = 9;

        assertThat(((Respond.Content.Inline) response.content()).bytes()).containsExactly(1, 2, 3);
        assertThat(response.headers()).containsExactly(entry("Content-Type", "application/octet-stream"));
    }

    @Test
    void respondJsonSendsAJsonStringAsGiven() {
        Respond response = respondJson(201, "{\"id\": 1}");

        assertThat(response.status()).isEqualTo(201);
        assertThat(text(response)).isEqualTo("{\"id\": 1}");
        assertThat(response.headers()).containsExactly(entry("Content-Type", "application/json"));
    }

    @Test
    void respondJsonSerializesObjects() {
        record Item(int id, String name) {
        }

        assertThat(text(respondJson(200, new Item(1, "pen")))).isEqualTo("{\"id\":1,\"name\":\"pen\"}");
        assertThat(text(respondJson(200, Map.of("ok", true)))).isEqualTo("{\"ok\":true}");
    }

    @Test
    void respondJsonRejectsAStringThatIsNotJson() {
        assertThatIllegalArgumentException().isThrownBy(() -> respondJson(200, "{oops"))
                .withMessageContaining("the JSON response body is not JSON");
    }

    @Test
    void fileBodyGivesPathAndSizeForTheEngineToStream(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("items.json"), "[1,2]".getBytes(StandardCharsets.UTF_8));

        Respond response = respondWithFile(200, file);

        assertThat(response.content()).isEqualTo(new Respond.Content.FromFile(file.toAbsolutePath(), 5));
        assertThat(response.headers()).containsExactly(entry("Content-Type", "application/json"));
    }

    @Test
    void missingFileFailsWhenTheStubIsMade(@TempDir Path dir) {
        assertThatIllegalArgumentException().isThrownBy(() -> respondWithFile(200, dir.resolve("nope.bin")))
                .withMessageContaining("nope.bin is not a readable file");
    }

    @Test
    void delayIsKeptAndMustNotBeNegative() {
        assertThat(respond(200).withDelay(Duration.ofMillis(250)).delay()).isEqualTo(Duration.ofMillis(250));
        assertThatIllegalArgumentException().isThrownBy(() -> respond(200).withDelay(Duration.ofMillis(-1)));
    }

    @Test
    void statusOutsideHttpRangeIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> respond(42)).withMessageContaining("42");
    }

    @Test
    void respondIsImmutable() {
        Respond base = respond(200);
        base.withBody("x").withHeader("A", "b");

        assertThat(base.headers()).isEmpty();
        assertThat(base.content().length()).isZero();
    }

    @Test
    void plainForward() {
        Forward forward = forwardTo("127.0.0.1", 8089);

        assertThat(forward.tls()).isFalse();
        assertThat(forward.authority()).isEqualTo("127.0.0.1:8089");
        assertThat(forward.hostHeader()).isEmpty();
        assertThat(forward.describe()).isEqualTo("forward to http://127.0.0.1:8089");
    }

    @Test
    void tlsForwardWithTrustAndHostHeader() {
        X509Certificate certificate = TestPki.get().caCertificate();
        Forward forward = forwardToTls("staging.example.test", 443).trusting(certificate)
                .withHostHeader("api.example.test");

        assertThat(forward.tls()).isTrue();
        assertThat(forward.trustedCertificates()).containsExactly(certificate);
        assertThat(forward.isInsecure()).isFalse();
        assertThat(forward.hostHeader()).contains("api.example.test");
        assertThat(forward.describe())
                .isEqualTo("forward to https://staging.example.test:443 (trusting 1 more certificate) as Host api.example.test");
    }

    @Test
    void insecureTlsForward() {
        assertThat(forwardToTls("127.0.0.1", 8443).insecure().isInsecure()).isTrue();
    }

    @Test
    void trustOnAPlainForwardIsAMistakeThatSaysWhatToUse() {
        assertThatIllegalStateException().isThrownBy(() -> forwardTo("127.0.0.1", 8089).insecure())
                .withMessageContaining("forwardToTls(\"127.0.0.1\", 8089)");
    }

    @Test
    void forwardPortMustBeValid() {
        assertThatIllegalArgumentException().isThrownBy(() -> forwardTo("127.0.0.1", 0));
    }

    @Test
    void ipv6ForwardAuthorityIsBracketed() {
        assertThat(forwardTo("[::1]", 8089).authority()).isEqualTo("[::1]:8089");
    }

    @Test
    void closeConnectionDescribesItself() {
        assertThat(closeConnection().describe()).isEqualTo("close the connection");
    }
}
