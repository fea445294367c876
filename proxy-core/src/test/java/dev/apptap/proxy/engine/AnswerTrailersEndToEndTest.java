package dev.apptap.proxy.engine;

import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.testing.ClientResult;
import dev.apptap.proxy.testing.Clients;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stub's trailers over HTTP/1.1: the answer goes chunked with the trailers in its last chunk, which curl shows and
 * node's HTTP client reads; an HTTP/1.0 app gets the body with a Content-Length and no trailers.
 */
class AnswerTrailersEndToEndTest {

    private static final String URL = "http://stats.test/report";

    @TempDir
    Path dir;

    EngineFixture apptap;

    @BeforeEach
    void stubWithTrailers() {
        apptap = EngineFixture.start(dir.resolve("trust"));
        apptap.engine.rules().on(get(URL)).respond(respond(200).withBody("done")
                .withTrailer("X-Checksum", "sha256=abc").withTrailer("X-Rows", "3"));
    }

    @AfterEach
    void stop() {
        apptap.close();
    }

    @Test
    void curlSeesTheStubsTrailersInTheLastChunk() {
        Clients.assumeInstalled("curl");

        ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", "-v", "--raw", URL).requireSuccess();

        assertThat(curl.stderr()).containsIgnoringCase("< Transfer-Encoding: chunked")
                .containsIgnoringCase("< Trailer: X-Checksum, X-Rows");
        assertThat(curl.stdout()).isEqualTo("4\r\ndone\r\n0\r\nX-Checksum: sha256=abc\r\nX-Rows: 3\r\n\r\n");
        HttpFlow flow = apptap.awaitHttp(f -> f.request().path().equals("/report"));
        assertThat(flow.response().orElseThrow().trailers().first("x-checksum")).contains("sha256=abc");
    }

    @Test
    void nodeReadsTheStubsTrailersOverHttp11() {
        Clients.assumeInstalled("node");
        InetSocketAddress proxy = apptap.engine.explicitAddress();

        ClientResult node = Clients.node(Map.of(), String.join("\n",
                "const http = require('http');",
                "const [host, port, url] = process.argv.slice(-3);",
                "http.get({host, port: Number(port), path: url, headers: {Host: new URL(url).host}}, res => {",
                "  let body = '';",
                "  res.on('data', d => body += d);",
                "  res.on('end', () => console.log(body, JSON.stringify(res.trailers)));",
                "});"), proxy.getAddress().getHostAddress(), String.valueOf(proxy.getPort()), URL).requireSuccess();

        assertThat(node.stdout().strip()).isEqualTo("done {\"x-checksum\":\"sha256=abc\",\"x-rows\":\"3\"}");
    }

    @Test
    void http10AppGetsTheBodyWithoutTrailers() {
        Clients.assumeInstalled("curl");

        ClientResult curl = Clients.curl(apptap.proxyEnvironment(), "-sS", "-v", "--raw", "--http1.0", URL)
                .requireSuccess();

        assertThat(curl.stderr()).containsIgnoringCase("< Content-Length: 4").doesNotContainIgnoringCase("< Trailer").doesNotContain("X-Checksum");
        assertThat(curl.stdout()).isEqualTo("done");
    }
}
