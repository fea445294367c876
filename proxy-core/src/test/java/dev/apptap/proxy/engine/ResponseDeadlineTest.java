package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.FlowStore;
import io.netty.channel.DefaultEventLoop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One re-arming timer per connection still gives each request its own deadline. */
class ResponseDeadlineTest {

    private static final Duration TIMEOUT = Duration.ofMillis(300);

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final ConnectionContext connection = EmbeddedConnections.connection(new FlowStore(), ConnectionContext.Entry.TRANSPARENT);
    private final List<HttpExchange> expired = new CopyOnWriteArrayList<>();
    private final ResponseDeadline deadline = new ResponseDeadline(loop, TIMEOUT, expired::add);

    @AfterEach
    void stop() throws Exception {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void reportsAnExchangeWhoseResponseNeverBegins() throws Exception {
        HttpExchange silent = new HttpExchange(connection);

        onLoop(() -> deadline.arm(silent));
        Thread.sleep(TIMEOUT.toMillis() * 3);

        assertThat(expired).containsExactly(silent);
    }

    @Test
    void givesEachRequestItsOwnTimeFromWhenItWasSent() throws Exception {
        HttpExchange first = new HttpExchange(connection);
        HttpExchange second = new HttpExchange(connection);

        onLoop(() -> deadline.arm(first));
        Thread.sleep(TIMEOUT.toMillis() * 2 / 3);
        onLoop(() -> {
            deadline.disarm();
            deadline.arm(second);
        });
        Thread.sleep(TIMEOUT.toMillis() * 2 / 3);
        assertThat(expired).as("the first answered in time, the second still has time").isEmpty();
        Thread.sleep(TIMEOUT.toMillis() * 2);

        assertThat(expired).containsExactly(second);
    }

    @Test
    void reportsNothingOnceTheResponseBeganOrTheConnectionWentAway() throws Exception {
        onLoop(() -> {
            deadline.arm(new HttpExchange(connection));
            deadline.disarm();
        });
        Thread.sleep(TIMEOUT.toMillis() * 2);
        onLoop(() -> {
            deadline.arm(new HttpExchange(connection));
            deadline.cancel();
        });
        Thread.sleep(TIMEOUT.toMillis() * 2);

        assertThat(expired).isEmpty();
    }

    private void onLoop(Runnable action) throws Exception {
        loop.submit(action).sync();
    }
}
