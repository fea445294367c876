package dev.apptap.proxy.dns;

import dev.apptap.flow.DnsFlow;
import dev.apptap.flow.Endpoint;
import dev.apptap.flow.FlowError;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.ProcessInfo;
import dev.apptap.proxy.origin.ProcessResolver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.ReferenceCountUtil;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Answers queries: decides with the {@link DnsPolicy}, answers from the pool or forwards, and records a
 * {@link DnsFlow} for each. Runs on worker threads, because finding the app's process reads {@code /proc}; it does
 * so before answering, while the app's socket is certain to exist.
 */
final class QueryProcessor {

    private static final System.Logger LOG = System.getLogger(DnsResponder.class.getName());

    /**
     * Short, because stubs change from test to test while a name keeps its address: a cached answer for a name
     * that is no longer stubbed would outlive the test that stubbed it.
     */
    static final long STUB_TTL_SECONDS = 1;

    private final FlowStore flows;
    private final DnsPolicy policy;
    private final LoopbackAddressPool pool;
    private final Upstream upstream;
    private final Duration upstreamTimeout;
    private final ProcessResolver tcpProcesses;
    private final ProcessResolver udpProcesses;
    private final OriginalResolverLookup originalResolvers;
    private final UpstreamForwarder forwarder;
    private final Executor workers;
    private final Codecs.ResponseParser parser = new Codecs.ResponseParser();

    /** The resolver to forward to, or why there is none. */
    record Upstream(Optional<InetSocketAddress> address, String missingReason) {
    }

    QueryProcessor(FlowStore flows, DnsPolicy policy, LoopbackAddressPool pool, Upstream upstream,
                   Duration upstreamTimeout, ProcessResolver tcpProcesses, ProcessResolver udpProcesses,
                   OriginalResolverLookup originalResolvers, UpstreamForwarder forwarder, Executor workers) {
        this.flows = flows;
        this.policy = policy;
        this.pool = pool;
        this.upstream = upstream;
        this.upstreamTimeout = upstreamTimeout;
        this.tcpProcesses = tcpProcesses;
        this.udpProcesses = udpProcesses;
        this.originalResolvers = originalResolvers;
        this.forwarder = forwarder;
        this.workers = workers;
    }

    /** Where this responder listens, once bound: forwarding there would loop. */
    private volatile Set<InetSocketAddress> ownAddresses = Set.of();

    void ownAddresses(Set<InetSocketAddress> addresses) {
        ownAddresses = Set.copyOf(addresses);
    }

    /** Takes ownership of {@code query}; called on an event loop. */
    void accept(DnsQuery query, Reply reply) {
        Instant startedAt = Instant.now();
        long startedNanos = System.nanoTime();
        try {
            workers.execute(() -> {
                try {
                    answer(query, reply, startedAt, startedNanos);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "apptap's DNS responder failed on a query from " + reply.app, e);
                } finally {
                    ReferenceCountUtil.release(query);
                }
            });
        } catch (RejectedExecutionException closing) {
            ReferenceCountUtil.release(query);
        }
    }

    /** A query with a readable header but an unreadable body: FORMERR, and a flow that says so. */
    void acceptMalformed(Codecs.MalformedQuery malformed, Reply reply) {
        Instant startedAt = Instant.now();
        long startedNanos = System.nanoTime();
        try {
            workers.execute(() -> {
                Exchange exchange = new Exchange(reply, startedAt, startedNanos, "", "");
                exchange.fail(malformed.id(), DnsOpCode.valueOf(malformed.opCode()), DnsResponseCode.FORMERR,
                        FlowError.Kind.MALFORMED_REQUEST, exchange.whoToStart() + " sent a DNS query that apptap could not"
                                + " decode (" + malformed.reason() + "); apptap answered FORMERR.");
            });
        } catch (RejectedExecutionException closing) {
            // Shutting down: nobody is left to answer.
        }
    }

    private void answer(DnsQuery query, Reply reply, Instant startedAt, long startedNanos) {
        if (query.count(DnsSection.QUESTION) != 1) {
            Exchange exchange = new Exchange(reply, startedAt, startedNanos, "", "");
            exchange.fail(query.id(), query.opCode(), DnsResponseCode.FORMERR, FlowError.Kind.MALFORMED_REQUEST,
                    exchange.whoToStart() + " sent a DNS query with " + query.count(DnsSection.QUESTION)
                            + " questions; apptap answers exactly one per query, so it answered FORMERR.");
            return;
        }
        DnsQuestion question = query.recordAt(DnsSection.QUESTION);
        Exchange exchange = new Exchange(reply, startedAt, startedNanos, withoutTrailingDot(question.name()),
                typeName(question.type()));
        if (question.name().indexOf('\0') >= 0) {
            // Netty decodes such a label but refuses to encode it, so an answer naming it would never be sent.
            exchange.fail(query.id(), query.opCode(), DnsResponseCode.FORMERR, FlowError.Kind.MALFORMED_REQUEST,
                    exchange.whoToStart() + " sent a DNS query for a name with a NUL byte in a label ("
                            + exchange.name.replace("\0", "\\0") + "); apptap answered FORMERR.");
            return;
        }
        if (!query.opCode().equals(DnsOpCode.QUERY)) {
            exchange.fail(query.id(), query.opCode(), DnsResponseCode.NOTIMP, FlowError.Kind.MALFORMED_REQUEST,
                    exchange.whoToStart() + " sent a DNS request with opcode " + query.opCode().byteValue() + " for " + exchange.name
                            + "; apptap answers only standard queries, so it answered NOTIMP.");
            return;
        }
        Optional<DnsAnswer> decision;
        try {
            decision = policy.answer(exchange.name, exchange.type);
        } catch (RuntimeException e) {
            exchange.fail(query.id(), query.opCode(), DnsResponseCode.SERVFAIL, FlowError.Kind.INTERNAL,
                    "apptap's DNS policy failed on " + exchange.who() + "'s query for " + exchange.name + " ("
                            + e + "); apptap answered SERVFAIL.");
            return;
        }
        if (decision.isPresent()) {
            answerLocally(query, question, decision.get(), exchange);
        } else {
            forward(query, exchange);
        }
    }

    private void answerLocally(DnsQuery query, DnsQuestion question, DnsAnswer decision, Exchange exchange) {
        List<InetAddress> addresses;
        try {
            addresses = addressesFor(question.type(), exchange.name, decision);
        } catch (RuntimeException exhausted) {
            exchange.fail(query.id(), query.opCode(), DnsResponseCode.SERVFAIL, FlowError.Kind.INTERNAL,
                    exhausted.getMessage() + " apptap answered SERVFAIL.");
            return;
        }
        DnsResponse response = exchange.reply.newResponse(query.id(), query.opCode(), DnsResponseCode.NOERROR)
                .setAuthoritativeAnswer(true)
                .setRecursionDesired(query.isRecursionDesired())
                .setRecursionAvailable(true);
        response.addRecord(DnsSection.QUESTION,
                new DefaultDnsQuestion(question.name(), question.type(), question.dnsClass()));
        List<String> texts = new ArrayList<>();
        for (InetAddress address : addresses) {
            response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), question.type(),
                    question.dnsClass(), STUB_TTL_SECONDS, Unpooled.wrappedBuffer(address.getAddress())));
            texts.add(address.getHostAddress());
        }
        exchange.reply.send(response);
        flows.publish(exchange.started(decision.resolution()).answered("NOERROR", texts, exchange.elapsed()));
    }

    private List<InetAddress> addressesFor(DnsRecordType type, String name, DnsAnswer decision) {
        Class<? extends InetAddress> family;
        if (type.equals(DnsRecordType.A)) {
            family = Inet4Address.class;
        } else if (type.equals(DnsRecordType.AAAA)) {
            family = Inet6Address.class;
        } else {
            return List.of(); // NOERROR without records: the name exists, with no data of that type
        }
        if (decision.addresses().isEmpty()) {
            return family == Inet4Address.class ? List.of(pool.addressOf(name)) : List.of();
        }
        return decision.addresses().stream().filter(family::isInstance).toList();
    }

    private void forward(DnsQuery query, Exchange exchange) {
        Optional<InetSocketAddress> target = upstream.address();
        if (target.isEmpty()) {
            exchange.fail(query.id(), query.opCode(), DnsResponseCode.SERVFAIL, FlowError.Kind.UPSTREAM_DNS,
                    "apptap could not forward " + exchange.who() + "'s query for " + exchange.name + ": "
                            + upstream.missingReason() + " It answered SERVFAIL.");
            return;
        }
        InetSocketAddress resolver = target.get();
        if (isOwnAddress(resolver)) {
            exchange.fail(query.id(), query.opCode(), DnsResponseCode.SERVFAIL, FlowError.Kind.UPSTREAM_DNS,
                    "apptap did not forward " + exchange.who() + "'s query for " + exchange.name + " because the"
                            + " system's resolver " + Endpoints.of(resolver) + " is apptap's own DNS responder, which"
                            + " would loop; it answered SERVFAIL.");
            return;
        }
        DnsFlow started = exchange.started(DnsFlow.Resolution.FORWARDED);
        flows.publish(started);
        DatagramDnsQuery copy = new DatagramDnsQuery(null, resolver, query.id(), query.opCode());
        copy.setRecursionDesired(query.isRecursionDesired()).setZ(query.z());
        for (DnsSection section : DnsSection.values()) {
            for (int i = 0; i < query.count(section); i++) {
                DnsRecord record = query.recordAt(section, i);
                copy.addRecord(section, record instanceof DnsRawRecord raw ? raw.retainedDuplicate() : record);
            }
        }
        int id = query.id();
        DnsOpCode opCode = query.opCode();
        forwarder.forward(copy, resolver, upstreamTimeout).addListener(done -> {
            if (done.isSuccess()) {
                ByteBuf answer = (ByteBuf) done.getNow();
                String rcode;
                List<String> answers;
                try {
                    rcode = DnsResponseCode.valueOf(answer.getByte(answer.readerIndex() + 3) & 0x0f).toString();
                    answers = answerTexts(answer, resolver, exchange.reply.local);
                } catch (RuntimeException unreadable) {
                    answer.release();
                    throw unreadable;
                }
                exchange.reply.relay(answer);
                flows.publish(started.answered(rcodeName(rcode), answers, exchange.elapsed()));
                return;
            }
            Throwable cause = done.cause();
            if (cause instanceof SocketTimeoutException) {
                exchange.fail(started, id, opCode, DnsResponseCode.SERVFAIL, FlowError.Kind.UPSTREAM_TIMEOUT,
                        "The system's resolver " + Endpoints.of(resolver) + " did not answer " + exchange.who()
                                + "'s query for " + exchange.name + " (" + exchange.type + ") within "
                                + upstreamTimeout.toMillis() + " ms; apptap answered SERVFAIL.");
            } else if (cause instanceof PortUnreachableException) {
                exchange.fail(started, id, opCode, DnsResponseCode.SERVFAIL, FlowError.Kind.UPSTREAM_REFUSED,
                        "Nothing answers DNS at the system's resolver " + Endpoints.of(resolver) + " (port"
                                + " unreachable), so apptap answered SERVFAIL to " + exchange.who() + "'s query for "
                                + exchange.name + ".");
            } else {
                exchange.fail(started, id, opCode, DnsResponseCode.SERVFAIL, FlowError.Kind.UPSTREAM_FAILED,
                        "apptap could not forward " + exchange.who() + "'s query for " + exchange.name + " to the"
                                + " system's resolver " + Endpoints.of(resolver) + " (" + cause + "); it answered"
                                + " SERVFAIL.");
            }
        });
    }

    private boolean isOwnAddress(InetSocketAddress resolver) {
        for (InetSocketAddress own : ownAddresses) {
            if (own.getPort() == resolver.getPort()
                    && (resolver.getAddress().isAnyLocalAddress() || own.getAddress().equals(resolver.getAddress()))) {
                return true;
            }
        }
        return false;
    }

    /** Netty names codes {@code NoError(0)}; flows use the RFC mnemonics. */
    private static String rcodeName(String netty) {
        int paren = netty.indexOf('(');
        String bare = paren > 0 ? netty.substring(0, paren) : netty;
        return bare.toUpperCase(Locale.ROOT);
    }

    private List<String> answerTexts(ByteBuf answer, InetSocketAddress from, InetSocketAddress to) {
        DnsResponse response;
        try {
            response = parser.parse(answer, from, to);
        } catch (Exception unparsable) {
            // The app gets the bytes regardless; the record just cannot list them.
            return List.of();
        }
        try {
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < response.count(DnsSection.ANSWER); i++) {
                texts.add(describe(response.recordAt(DnsSection.ANSWER, i)));
            }
            return texts;
        } finally {
            response.release();
        }
    }

    static String describe(DnsRecord record) {
        String type = typeName(record.type());
        if (!(record instanceof DnsRawRecord raw)) {
            return type;
        }
        ByteBuf content = raw.content();
        boolean address = record.type().equals(DnsRecordType.A) && content.readableBytes() == 4
                || record.type().equals(DnsRecordType.AAAA) && content.readableBytes() == 16;
        if (address) {
            byte[] bytes = new byte[content.readableBytes()];
            content.getBytes(content.readerIndex(), bytes);
            try {
                return InetAddress.getByAddress(bytes).getHostAddress();
            } catch (UnknownHostException impossible) {
                return type;
            }
        }
        if (record.type().equals(DnsRecordType.CNAME) || record.type().equals(DnsRecordType.NS)) {
            // Netty decompresses these two; other types keep pointers into the whole message.
            try {
                return type + " " + withoutTrailingDot(DefaultDnsRecordDecoder.decodeName(content.duplicate()));
            } catch (RuntimeException unreadable) {
                return type;
            }
        }
        return type;
    }

    static String typeName(DnsRecordType type) {
        String name = type.name();
        return name.equals("UNKNOWN") ? "TYPE" + type.intValue() : name;
    }

    static String withoutTrailingDot(String name) {
        return name.endsWith(".") && name.length() > 1 ? name.substring(0, name.length() - 1) : name;
    }

    /** One query's facts, gathered before the answer: process, addresses, flow id, timing. */
    private final class Exchange {
        final Reply reply;
        final Instant startedAt;
        final long startedNanos;
        final String name;
        final String type;
        final ProcessInfo process;
        final Endpoint server;
        final long id;

        Exchange(Reply reply, Instant startedAt, long startedNanos, String name, String type) {
            this.reply = reply;
            this.startedAt = startedAt;
            this.startedNanos = startedNanos;
            this.name = name;
            this.type = type;
            this.process = processOf(reply);
            this.server = serverOf(reply);
            this.id = flows.nextId();
        }

        /** {@code curl (pid 42)} or {@code an app at 127.0.0.1:5353}, for the middle of a sentence. */
        String who() {
            return process.isKnown() ? process.describe() : "an app at " + Endpoints.of(reply.app);
        }

        String whoToStart() {
            String who = who();
            return Character.toUpperCase(who.charAt(0)) + who.substring(1);
        }

        DnsFlow started(DnsFlow.Resolution resolution) {
            return DnsFlow.started(id, startedAt, process, Endpoints.of(reply.app), server, name, type,
                    reply.transport(), resolution);
        }

        Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - startedNanos);
        }

        void fail(int queryId, DnsOpCode opCode, DnsResponseCode code, FlowError.Kind kind, String message) {
            fail(started(DnsFlow.Resolution.FAILED), queryId, opCode, code, kind, message);
        }

        void fail(DnsFlow flow, int queryId, DnsOpCode opCode, DnsResponseCode code, FlowError.Kind kind,
                  String message) {
            reply.send(reply.newResponse(queryId, opCode, code).setRecursionAvailable(true));
            flows.publish(flow.withError(new FlowError(kind, message)).answered(rcodeName(code.toString()), List.of(),
                    elapsed()));
        }
    }

    private ProcessInfo processOf(Reply reply) {
        ProcessResolver resolver = reply.transport() == DnsFlow.Transport.UDP ? udpProcesses : tcpProcesses;
        try {
            return resolver.resolve(reply.app, reply.local);
        } catch (RuntimeException e) {
            return ProcessInfo.UNKNOWN;
        }
    }

    private Endpoint serverOf(Reply reply) {
        try {
            return originalResolvers.originalResolver(reply.app, reply.transport()).map(Endpoints::of)
                    .orElseGet(() -> Endpoints.of(reply.local));
        } catch (RuntimeException e) {
            return Endpoints.of(reply.local);
        }
    }
}
