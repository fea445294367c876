package dev.apptap.flow;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A connection that did not speak HTTP (or whose TLS was relayed undecrypted, or refused by the app),
 * recorded as the bytes each way.
 *
 * @param id              see {@link Flow#id()}
 * @param startedAt       when the connection reached apptap
 * @param process         the app's process
 * @param client          the app's side of the connection
 * @param server          where the app meant to go
 * @param tls             the app's TLS session, if it used TLS
 * @param fromClient      the first bytes the app sent (decrypted, unless passthrough), with the total count
 * @param fromServer      the first bytes the server sent, with the total count
 * @param duration        how long the connection lasted, once it ended
 * @param error           why the connection failed, if it did
 * @param complete        whether the connection has ended
 */
public record TcpFlow(long id, Instant startedAt, ProcessInfo process, Endpoint client, Endpoint server,
                      Optional<TlsInfo> tls, Body fromClient, Body fromServer, Optional<Duration> duration,
                      Optional<FlowError> error, boolean complete) implements Flow {

    public TcpFlow {
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(fromClient, "fromClient");
        Objects.requireNonNull(fromServer, "fromServer");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(error, "error");
    }

    /** The first snapshot of a connection: nothing has travelled yet. */
    public static TcpFlow started(long id, Instant startedAt, ProcessInfo process, Endpoint client, Endpoint server,
                                  Optional<TlsInfo> tls) {
        return new TcpFlow(id, startedAt, process, client, server, tls, Body.EMPTY, Body.EMPTY, Optional.empty(),
                Optional.empty(), false);
    }

    public TcpFlow withFromClient(Body newFromClient) {
        return new TcpFlow(id, startedAt, process, client, server, tls, newFromClient, fromServer, duration, error,
                complete);
    }

    public TcpFlow withFromServer(Body newFromServer) {
        return new TcpFlow(id, startedAt, process, client, server, tls, fromClient, newFromServer, duration, error,
                complete);
    }

    public TcpFlow withTls(TlsInfo newTls) {
        return new TcpFlow(id, startedAt, process, client, server, Optional.of(newTls), fromClient, fromServer,
                duration, error, complete);
    }

    /**
     * This snapshot with {@code newError}; not yet complete, because a failed connection still has a duration to
     * record: follow with {@link #completed(Duration)}.
     */
    public TcpFlow withError(FlowError newError) {
        return new TcpFlow(id, startedAt, process, client, server, tls, fromClient, fromServer, duration,
                Optional.of(newError), complete);
    }

    /** This snapshot, ended after {@code lasted}: the last one the engine publishes for the connection. */
    public TcpFlow completed(Duration lasted) {
        return new TcpFlow(id, startedAt, process, client, server, tls, fromClient, fromServer,
                Optional.of(lasted), error, true);
    }

    @Override
    public boolean isComplete() {
        return complete;
    }

    @Override
    public String target() {
        return (tls.isPresent() ? "tls://" : "tcp://") + server.authority();
    }

    @Override
    public long bytesSent() {
        return fromClient.size();
    }

    @Override
    public long bytesReceived() {
        return fromServer.size();
    }

    @Override
    public String summary() {
        return Summaries.of(this, line -> {
            line.append(" ↑").append(Sizes.describe(fromClient.size()))
                .append(" ↓").append(Sizes.describe(fromServer.size()));
            duration.ifPresent(d -> line.append(" (").append(d.toMillis()).append(" ms)"));
        });
    }
}
