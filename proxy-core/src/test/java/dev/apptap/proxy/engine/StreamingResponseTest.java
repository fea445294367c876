package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.Flow;
import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.testing.Clients;
import dev.apptap.proxy.testing.OriginServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Server-Sent Events stream is visible in its flow, event by event, before it ends. */
class StreamingResponseTest {

    @TempDir
    Path dir;

    @Test
    void showsTheFirstServerSentEventBeforeTheStreamEnds() throws Exception {
        Clients.assumeInstalled("curl");
        try (EngineFixture apptap = EngineFixture.start(dir.resolve("trust"));
             OriginServer origin = OriginServer.start()) {
            List<String> command = new ArrayList<>(List.of("curl", "-sS", "-N", origin.url("/sse/1500")));
            ProcessBuilder curl = new ProcessBuilder(command).redirectErrorStream(true);
            curl.environment().putAll(apptap.proxyEnvironment());
            Process running = curl.start();
            try {
                Flow live = apptap.engine.flows().view().awaitFirst(f -> f instanceof HttpFlow h
                        && h.response().map(r -> r.body().text().contains("data: first")).orElse(false),
                        Duration.ofSeconds(10));

                assertThat(live.isComplete()).as("the stream is still open").isFalse();
                assertThat(((HttpFlow) live).response().orElseThrow().body().text()).doesNotContain("second");
                HttpFlow done = apptap.awaitHttp(h -> h.request().path().equals("/sse/1500"));
                assertThat(done.response().orElseThrow().body().text()).isEqualTo("data: first\n\ndata: second\n\n");
                assertThat(new String(running.getInputStream().readAllBytes())).contains("data: second");
            } finally {
                running.destroyForcibly();
            }
        }
    }

}
