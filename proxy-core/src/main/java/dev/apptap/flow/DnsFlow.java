package dev.apptap.flow;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One DNS query an app sent to apptap's DNS responder, with the answer it got.
 *
 * <pre>{@code
 * DnsFlow lookup = flows.since(mark).awaitFirst(DnsFlow.class,
 *         f -> f.name().equals("api.example.test") && f.isComplete(), Duration.ofSeconds(5));
 * assertThat(lookup.answers()).containsExactly("127.0.0.2");
 * }</pre>
 *
 * @param id         see {@link Flow#id()}
 * @param startedAt  when the query reached apptap
 * @param process    the app's process ({@link ProcessInfo#UNKNOWN} when it could not be found)
 * @param client     the app's socket that sent the query
 * @param server     the resolver the app addressed when the redirector reported it, else the responder's own
 *                   address (a redirected packet no longer names the resolver it was sent to)
 * @param name       the queried name without the trailing dot ({@code api.example.test}); empty when the query
 *                   was too malformed to carry one
 * @param type       the record type's mnemonic ({@code A}, {@code AAAA}, {@code HTTPS}, {@code TYPE65534}); empty
 *                   for a malformed query
 * @param transport  how the query travelled
 * @param answers    the answer section as text: addresses for {@code A}/{@code AAAA} records
 *                   ({@code 127.0.0.2}), {@code TYPE value} for others ({@code CNAME example.net}); empty for
 *                   NXDOMAIN, for a NOERROR answer without records, and until the answer is known
 * @param rcode      the response code sent to the app ({@code NOERROR}, {@code NXDOMAIN}, {@code SERVFAIL}, …);
 *                   empty until it is known
 * @param resolution who produced the answer
 * @param duration   how long the app waited for the answer, once it was sent
 * @param error      why apptap could not answer properly, if it could not
 * @param complete   whether the answer has been sent (or the query given up)
 */
public record DnsFlow(long id, Instant startedAt, ProcessInfo process, Endpoint client, Endpoint server,
                      String name, String type, Transport transport, List<String> answers, String rcode,
                      Resolution resolution, Optional<Duration> duration, Optional<FlowError> error,
                      boolean complete) implements Flow {

    /** How a DNS query reached apptap. */
    public enum Transport {
        UDP, TCP;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Who produced the answer. */
    public enum Resolution {
        /** A stub or route names the host: apptap answered with a loopback address. */
        STUBBED,
        /** Offline mode: apptap answered every name with a loopback address. */
        OFFLINE,
        /** Relayed from the system's resolver, as it answered. */
        FORWARDED,
        /** apptap answered with an error code of its own (SERVFAIL, FORMERR, NOTIMP); {@link #error()} says why. */
        FAILED;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public DnsFlow {
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(transport, "transport");
        answers = List.copyOf(answers);
        Objects.requireNonNull(rcode, "rcode");
        Objects.requireNonNull(resolution, "resolution");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(error, "error");
    }

    /** The first snapshot of a query that has to wait for an upstream resolver: no answer yet. */
    public static DnsFlow started(long id, Instant startedAt, ProcessInfo process, Endpoint client, Endpoint server,
                                  String name, String type, Transport transport, Resolution resolution) {
        return new DnsFlow(id, startedAt, process, client, server, name, type, transport, List.of(), "",
                resolution, Optional.empty(), Optional.empty(), false);
    }

    /** This query, answered with {@code newRcode} and {@code newAnswers} after {@code lasted}: the last snapshot. */
    public DnsFlow answered(String newRcode, List<String> newAnswers, Duration lasted) {
        return new DnsFlow(id, startedAt, process, client, server, name, type, transport, newAnswers, newRcode,
                resolution, Optional.of(lasted), error, true);
    }

    /**
     * This query, failed with {@code newError}: resolution becomes {@link Resolution#FAILED}. Not yet complete;
     * follow with {@link #answered} to record the error code the app got.
     */
    public DnsFlow withError(FlowError newError) {
        return new DnsFlow(id, startedAt, process, client, server, name, type, transport, answers, rcode,
                Resolution.FAILED, duration, Optional.of(newError), complete);
    }

    /** A DNS query has no TLS session: always empty. */
    @Override
    public Optional<TlsInfo> tls() {
        return Optional.empty();
    }

    @Override
    public boolean isComplete() {
        return complete;
    }

    @Override
    public String target() {
        return "DNS" + (type.isEmpty() ? "" : " " + type) + " " + (name.isEmpty() ? "(malformed query)" : name);
    }

    /** Not recorded for DNS: 0. */
    @Override
    public long bytesSent() {
        return 0;
    }

    /** Not recorded for DNS: 0. */
    @Override
    public long bytesReceived() {
        return 0;
    }

    /**
     * {@code curl DNS A api.example.test → 127.0.0.2 (stubbed)}, {@code curl DNS A example.com → 93.184.215.14
     * (forwarded, 12 ms)}, {@code curl DNS A example.com ✗ <error>}.
     */
    @Override
    public String summary() {
        return Summaries.of(this, line -> {
            if (!complete) {
                line.append(" … (").append(resolution).append(')');
                return;
            }
            line.append(" → ");
            if (!rcode.equals("NOERROR")) {
                line.append(rcode);
            } else if (answers.isEmpty()) {
                line.append("no records");
            } else {
                line.append(String.join(", ", answers));
            }
            line.append(" (").append(resolution);
            if (resolution == Resolution.FORWARDED) {
                duration.ifPresent(d -> line.append(", ").append(d.toMillis()).append(" ms"));
            }
            line.append(')');
        });
    }
}
