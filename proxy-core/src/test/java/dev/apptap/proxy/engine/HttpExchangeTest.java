package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.Flow;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.HttpFlow;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The recording path: each phase of an exchange publishes a snapshot, and bodies are kept up to the limit. */
class HttpExchangeTest {

    private final FlowStore flows = new FlowStore();
    private final ConnectionContext connection = EmbeddedConnections.connection(flows, ConnectionContext.Entry.TRANSPARENT);

    @Test
    void publishesASnapshotAtEachPhase() {
        connection.destination(new InetSocketAddress("127.0.0.1", 80));
        HttpExchange exchange = new HttpExchange(connection);
        HttpHeaders request = new DefaultHttpHeaders().add("Content-Type", "application/json").add("X-Trace", "1")
                .add("Content-Length", "14");

        exchange.requestHead("POST", "http://api.example.test/v1/items", "HTTP/1.1", request);
        HttpFlow started = only();
        withBytes("{\"name\":", exchange::requestContent);
        withBytes("\"ann\"}", exchange::requestContent);
        exchange.requestEnd();
        exchange.responseHead(201, "Created", "HTTP/1.1", new DefaultHttpHeaders().add("Content-Type", "text/plain"));
        withBytes("made", exchange::responseContent);
        exchange.responseEnd(new DefaultHttpHeaders().add("X-Checksum", "abc"));
        HttpFlow done = only();

        assertThat(started.isComplete()).isFalse();
        assertThat(started.response()).isEmpty();
        assertThat(done.isComplete()).isTrue();
        assertThat(done.request().body().text()).isEqualTo("{\"name\":\"ann\"}");
        assertThat(done.request().headers().first("x-trace")).hasValue("1");
        assertThat(done.response().orElseThrow().status()).isEqualTo(201);
        assertThat(done.response().orElseThrow().trailers().first("X-Checksum")).hasValue("abc");
        assertThat(done.timings().total()).isPresent();
        assertThat(done.process()).isEqualTo(EmbeddedConnections.CURL);
        assertThat(done.summary()).startsWith("curl POST http://api.example.test/v1/items → 201 (4 B, ");
    }

    @Test
    void publishesAResponseWhoseHeadAndBodyArriveTogetherAsOneSnapshot() {
        List<Flow> snapshots = new ArrayList<>();
        flows.addListener(snapshots::add);
        HttpExchange exchange = new HttpExchange(connection);
        exchange.requestHead("GET", "http://x.test/", "HTTP/1.1", new DefaultHttpHeaders());
        exchange.requestEnd();

        exchange.responseHead(200, "OK", "HTTP/1.1", new DefaultHttpHeaders().add("Content-Length", "2"));
        withBytes("ok", exchange::responseContent);
        exchange.responseEnd(null);
        exchange.publishPending();

        assertThat(snapshots).hasSize(2);
        assertThat(only().response().orElseThrow().body().text()).isEqualTo("ok");
    }

    @Test
    void showsAResponseHeadOnItsOwnOnceTheReadThatBroughtItEnds() {
        HttpExchange exchange = new HttpExchange(connection);
        exchange.requestHead("GET", "http://x.test/slow", "HTTP/1.1", new DefaultHttpHeaders());
        exchange.requestEnd();

        exchange.responseHead(200, "OK", "HTTP/1.1", new DefaultHttpHeaders().add("Content-Length", "100"));
        assertThat(only().response()).as("the head waits for the end of the read").isEmpty();
        exchange.publishPending();

        assertThat(only().response().orElseThrow().status()).isEqualTo(200);
        assertThat(only().isComplete()).isFalse();
    }

    @Test
    void publishesABodylessRequestOnceItEnds() {
        HttpExchange exchange = new HttpExchange(connection);

        exchange.requestHead("GET", "http://x.test/", "HTTP/1.1", new DefaultHttpHeaders());
        assertThat(flows.flows()).as("nothing before the (immediate) end of a request without a body").isEmpty();
        exchange.requestEnd();

        assertThat(only().timings().requestComplete()).isPresent();
    }

    @Test
    void keepsTheFirstFailureOnly() {
        HttpExchange exchange = new HttpExchange(connection);
        exchange.requestHead("GET", "http://x.test/", "HTTP/1.1", new DefaultHttpHeaders());

        exchange.fail(new FlowError(FlowError.Kind.UPSTREAM_REFUSED, "first"));
        exchange.fail(new FlowError(FlowError.Kind.CLIENT_DISCONNECTED, "second"));

        assertThat(only().error().orElseThrow().message()).isEqualTo("first");
    }

    @Test
    void countsBodyBytesBeyondTheRecordingLimit() {
        ConnectionContext limited = EmbeddedConnections.connection(flows, ConnectionContext.Entry.TRANSPARENT);
        HttpExchange exchange = new HttpExchange(limited);
        exchange.requestHead("PUT", "http://x.test/big", "HTTP/1.1", new DefaultHttpHeaders());
        for (int i = 0; i < 3; i++) {
            ByteBuf chunk = Unpooled.wrappedBuffer(new byte[600 * 1024]);
            exchange.requestContent(chunk);
            chunk.release();
        }
        exchange.requestEnd();

        HttpFlow flow = only();
        assertThat(flow.request().body().size()).isEqualTo(3 * 600 * 1024);
        assertThat(flow.request().body().isTruncated()).isTrue();
        assertThat(flow.request().body().rawBytes()).hasSize(1 << 20);
    }

    private HttpFlow only() {
        assertThat(flows.flows()).hasSize(1);
        return (HttpFlow) flows.flows().get(0);
    }

    private static void withBytes(String text, Consumer<ByteBuf> sink) {
        ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        try {
            sink.accept(buf);
        } finally {
            buf.release();
        }
    }
}
