package dev.apptap.proxy.engine;

import dev.apptap.flow.Body;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.TcpFlow;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Records connections that failed before any exchange began (a refused certificate, TLS garbage). */
final class ConnectionFlows {

    private static final System.Logger LOG = System.getLogger(ConnectionFlows.class.getName());

    private final EngineRuntime runtime;

    ConnectionFlows(EngineRuntime runtime) {
        this.runtime = runtime;
    }

    void failed(ConnectionContext connection, FlowError error) {
        LOG.log(System.Logger.Level.INFO, error.message());
        runtime.settings().flows().publish(new TcpFlow(runtime.settings().flows().nextId(), connection.acceptedAt,
                connection.process, connection.client, connection.server(), connection.tlsInfo(), Body.EMPTY,
                Body.EMPTY, Optional.of(Duration.between(connection.acceptedAt, Instant.now())), Optional.of(error),
                true));
    }
}
