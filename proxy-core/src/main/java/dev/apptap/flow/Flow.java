package dev.apptap.flow;

import java.time.Instant;
import java.util.Optional;

/**
 * One recorded exchange: an HTTP request with its response ({@link HttpFlow}), or a TCP connection that
 * did not speak HTTP ({@link TcpFlow}). Flows are immutable snapshots; the {@link FlowStore} replaces a
 * flow's snapshot as the exchange goes on, so a flow read twice may have grown in between.
 */
public sealed interface Flow permits HttpFlow, TcpFlow, DnsFlow {

    /** Unique within a {@link FlowStore}; increasing in the order flows began. */
    long id();

    /** When the app's connection or request reached apptap. */
    Instant startedAt();

    /** The process that opened the connection. */
    ProcessInfo process();

    /** The app's side of the connection (its local address and port). */
    Endpoint client();

    /** Where the app meant to go. */
    Endpoint server();

    /** The TLS session between the app and apptap, if the app used TLS. */
    Optional<TlsInfo> tls();

    /** Why the flow failed, if it did. */
    Optional<FlowError> error();

    /** Whether the exchange has ended (successfully or with an error); a complete flow no longer changes. */
    boolean isComplete();

    /** One line for logs and failure messages: {@code curl GET https://api.example.test/v1 → 200 (512 B, 12 ms)}. */
    String summary();
}
