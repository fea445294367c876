package dev.apptap.flow;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One recorded exchange: an HTTP request with its response ({@link HttpFlow}), a TCP connection that did not
 * speak HTTP ({@link TcpFlow}), or a DNS query with its answer ({@link DnsFlow}). Flows are immutable snapshots;
 * the {@link FlowStore} replaces a flow's snapshot as the exchange goes on, so a flow read twice may have grown in
 * between.
 *
 * <p>What every kind of flow has is asked of the flow itself, without testing its type:
 * <pre>{@code
 * for (Flow flow : flows.flows()) {
 *     System.out.println(flow.target() + " on " + flow.host() + ": " + flow.bytesSent() + " B out, "
 *             + flow.bytesReceived() + " B in" + flow.duration().map(d -> ", " + d.toMillis() + " ms").orElse(""));
 * }
 * }</pre>
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

    /**
     * The host the app meant to reach, by the best evidence there is: the HTTP request's host, else the TLS server
     * name (SNI), else {@link #server()}'s host (a name when the app used one, else an IP literal). For a DNS
     * query that is the resolver it asked; the name it asked about is {@link DnsFlow#name()}.
     */
    default String host() {
        return tls().map(TlsInfo::sni).filter(sni -> !sni.isEmpty()).orElse(server().host());
    }

    /**
     * What the app asked for, in one phrase: {@code GET https://api.example.test/v1} for HTTP,
     * {@code tls://api.example.test:443} or {@code tcp://10.0.0.7:5432} for another connection,
     * {@code DNS A api.example.test} for a lookup.
     */
    String target();

    /** The bytes the app sent: the request body for HTTP, everything for TCP; 0 for DNS (not recorded). */
    long bytesSent();

    /** The bytes the app received: the response body for HTTP, everything for TCP; 0 for DNS (not recorded). */
    long bytesReceived();

    /** How long the exchange lasted, once it ended: request to last response byte, connection, or lookup. */
    Optional<Duration> duration();

    /** Whether the exchange has ended (successfully or with an error); a complete flow no longer changes. */
    boolean isComplete();

    /** One line for logs and failure messages: {@code curl GET https://api.example.test/v1 → 200 (512 B, 12 ms)}. */
    String summary();
}
