package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * How an HTTP/1 exchange that ends early is recorded, in the same sentences whichever relay carried it
 * ({@link Http1Relay} with Netty's codec, {@link Http1ByteRelay} with bytes).
 */
final class Http1Endings {

    private static final System.Logger LOG = System.getLogger(Http1Endings.class.getName());

    private Http1Endings() {
    }

    /** The server at {@code target} hung up before its response to {@code exchange} was complete. */
    static FlowError serverClosedEarly(UpstreamTarget target, HttpExchange exchange) {
        return new FlowError(FlowError.Kind.UPSTREAM_PROTOCOL, "The server at " + target.authority()
                + " closed the connection before it finished answering " + exchange.method() + " " + exchange.url()
                + ".");
    }

    /** The server at {@code target} did not begin answering {@code timed} within {@code timeout}. */
    static FlowError noAnswerInTime(UpstreamTarget target, HttpExchange timed, Duration timeout) {
        return new FlowError(FlowError.Kind.UPSTREAM_TIMEOUT, "The server at " + target.authority()
                + " did not begin answering " + timed.method() + " " + timed.url() + " within "
                + timeout.toSeconds() + " s; apptap gave up waiting.");
    }

    /** The app closed its connection: an exchange still running ends with that. */
    static void appClosed(ConnectionContext connection, HttpExchange exchange) {
        if (exchange != null && !exchange.isComplete()) {
            exchange.fail(new FlowError(FlowError.Kind.CLIENT_DISCONNECTED, connection.process.describe()
                    + " closed its connection before " + (exchange.requestComplete()
                    ? "the response to " : "it finished sending ") + exchange.method() + " " + exchange.url()
                    + (exchange.requestComplete() ? " was complete." : ".")));
        }
    }

    /**
     * An exception reached the relay. Resets and broken pipes end the connection, and closing records what was cut
     * short; anything else is apptap's own failure, logged and recorded as such.
     */
    static void failed(ConnectionContext connection, HttpExchange exchange, Throwable cause) {
        if (!(cause instanceof IOException) && !(cause instanceof UncheckedIOException) && exchange != null
                && !exchange.isComplete()) {
            LOG.log(System.Logger.Level.WARNING, "apptap failed while relaying for " + connection.describe(), cause);
            exchange.fail(new FlowError(FlowError.Kind.INTERNAL, "apptap failed while relaying " + exchange.method()
                    + " " + exchange.url() + " for " + connection.process.describe() + ": " + cause
                    + "; please report this with the flow attached."));
        }
    }
}
