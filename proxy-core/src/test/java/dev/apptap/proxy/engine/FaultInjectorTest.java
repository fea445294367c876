package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.proxy.rules.Fault;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The injector on the bytes an HTTP/1 codec writes, as the app would receive them. */
class FaultInjectorTest {

    private final FaultInjector injector = new FaultInjector();
    // the encoder writes towards the head: codec first, then the injector, then the socket
    private final EmbeddedChannel app = new EmbeddedChannel(injector, new HttpServerCodec());

    @BeforeEach
    void freezeTime() {
        app.freezeTime(); // scheduled tasks run when the test advances time, never on their own
    }

    @AfterEach
    void close() {
        app.finishAndReleaseAll();
    }

    @Test
    void closesTheConnectionAfterTheHeadAndTheFirstBodyBytes() {
        injector.arm(Fault.closeAfterBodyBytes(5));

        app.writeOutbound(response("0123456789"));

        assertThat(sent()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\n01234");
        assertThat(app.isOpen()).isFalse();
    }

    @Test
    void closesTheConnectionAfterTheHeadBeforeTheBody() {
        injector.arm(Fault.closeBeforeBody());

        app.writeOutbound(response("0123456789"));

        assertThat(sent()).startsWith("HTTP/1.1 200 OK\r\n").contains("content-length: 10").endsWith("\r\n\r\n");
        assertThat(app.isOpen()).isFalse();
    }

    @Test
    void letsAnInterimContinueThroughBeforeCuttingTheRealResponse() {
        injector.arm(Fault.closeBeforeBody());

        app.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        app.writeOutbound(response("body"));

        assertThat(sent()).startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n").endsWith("\r\n\r\n");
        assertThat(app.isOpen()).isFalse();
    }

    @Test
    void closesAfterAResponseShorterThanTheCutOnceItWentOut() {
        injector.arm(Fault.closeAfterBodyBytes(100));

        app.writeOutbound(response("short"));
        assertThat(sent()).endsWith("short");
        assertThat(app.isOpen()).isTrue();
        FaultInjector.disarm(app.pipeline());

        assertThat(app.isOpen()).isFalse();
    }

    @Test
    void sendsBytesThatAreNotHttpInsteadOfTheResponse() {
        injector.arm(Fault.malformedResponse());

        app.writeOutbound(response("0123456789"));

        assertThat(sent()).isEqualTo(new String(FaultInjector.MALFORMED, StandardCharsets.ISO_8859_1));
        assertThat(app.isOpen()).isFalse();
    }

    @Test
    void resetsTheConnectionWithoutSendingAByte() {
        injector.arm(Fault.connectionReset());

        ChannelFuture written = app.writeOneOutbound(response("0123456789"));

        assertThat(sent()).isEmpty();
        assertThat(written.isSuccess()).isFalse();
        assertThat(app.isOpen()).isFalse();
    }

    @Test
    void sendsNothingWhileHangingAndFailsTheWritesOnceTheAppLeaves() {
        injector.arm(Fault.hang());

        ChannelFuture written = app.writeOneOutbound(response("0123456789"));
        app.flushOutbound();
        app.advanceTimeBy(1, TimeUnit.HOURS);
        app.runPendingTasks();

        assertThat(sent()).isEmpty();
        assertThat(app.isOpen()).isTrue();
        assertThat(written.isDone()).isFalse();
        app.close();
        assertThat(written.cause()).isNotNull();
    }

    @Test
    void holdsTheResponseBackUntilTheDelayIsOver() {
        injector.arm(Fault.delay(Duration.ofSeconds(2)));

        ChannelFuture written = app.writeOneOutbound(response("0123456789"));
        app.flushOutbound();
        app.advanceTimeBy(1999, TimeUnit.MILLISECONDS);
        app.runScheduledPendingTasks();
        assertThat(sent()).isEmpty();
        assertThat(written.isDone()).isFalse();

        app.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        app.runScheduledPendingTasks();

        assertThat(sent()).startsWith("HTTP/1.1 200 OK").endsWith("0123456789");
        assertThat(written.isSuccess()).isTrue();
        assertThat(app.isOpen()).isTrue();
    }

    @Test
    void sendsAThrottledResponseInTickSizedSlices() {
        injector.arm(Fault.throttle(1000));
        String body = "x".repeat(1000);

        ChannelFuture written = app.writeOneOutbound(response(body));
        app.flushOutbound();
        int total = 0;
        int ticks = 0;
        while (!written.isDone()) {
            int slice = sent().length();
            assertThat(slice).as("tick %d", ticks).isLessThanOrEqualTo(100);
            total += slice;
            app.advanceTimeBy(100, TimeUnit.MILLISECONDS);
            app.runScheduledPendingTasks();
            ticks++;
        }
        total += sent().length();

        assertThat(written.isSuccess()).isTrue();
        assertThat(total).isGreaterThan(1000);
        assertThat(ticks).isGreaterThanOrEqualTo(total / 100 - 1);
    }

    @Test
    void passesLaterResponsesUntouchedOnceDisarmed() {
        injector.arm(Fault.delay(Duration.ofMillis(10)));
        app.writeOneOutbound(response("first")).addListener(done -> FaultInjector.disarm(app.pipeline()));
        app.flushOutbound();
        app.advanceTimeBy(10, TimeUnit.MILLISECONDS);
        app.runScheduledPendingTasks();
        assertThat(sent()).endsWith("first");

        app.writeOutbound(response("second"));

        assertThat(sent()).endsWith("second");
    }

    private static FullHttpResponse response(String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length());
        return response;
    }

    /** What reached the socket since the last call. */
    private String sent() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (ByteBuf next = app.readOutbound(); next != null; next = app.readOutbound()) {
            byte[] copy = new byte[next.readableBytes()];
            next.readBytes(copy);
            next.release();
            bytes.writeBytes(copy);
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }
}
