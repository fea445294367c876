package dev.apptap.proxy.engine;

import static dev.apptap.proxy.rules.Actions.respond;
import static dev.apptap.proxy.rules.RequestMatcher.anyRequestTo;
import static dev.apptap.proxy.rules.RequestMatcher.post;

import dev.apptap.flow.FlowStore;
import dev.apptap.proxy.origin.ProcessResolver;
import dev.apptap.proxy.rules.RuleSet;
import dev.apptap.proxy.testing.CountingAllocator;
import dev.apptap.proxy.testing.FuzzInput;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.ServerChannel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

/**
 * What the engine's fuzz targets share: a runtime that cannot reach beyond the JVM, and the way an input is fed to
 * an {@link EmbeddedChannel} and the channel wound down so that every buffer must have been released.
 *
 * <p>Nothing a fuzz input says can make the engine look a name up or open a connection: names resolve to nothing,
 * every connection's destination is a loopback address, and upstream connections that a handler attempts on an
 * EmbeddedChannel's event loop fail when they register, before any socket connects.
 */
final class EngineFuzzing {

    /** Where fuzzed connections claim to be going: loopback, a port nothing listens on in these tests. */
    static final InetSocketAddress DESTINATION = new InetSocketAddress("127.0.0.1", 9);

    private EngineFuzzing() {
    }

    /** A runtime whose flows stay few (the fuzzer runs millions of inputs) and whose names resolve nowhere. */
    static EngineRuntime runtime(FlowStore flows, RuleSet rules) {
        return EmbeddedConnections.runtime(ProxyEngine.builder()
                .flows(flows)
                .rules(rules)
                .processes(ProcessResolver.NONE)
                .hostResolver(host -> {
                    throw new UnknownHostException(host + " is not resolved while fuzzing");
                }));
    }

    /**
     * Stubs that make the relays look at the host, the query, a header and the body (as JSON and as text), and
     * offline mode for every other request, so that no request needs an upstream.
     */
    static RuleSet stubsAndOffline() {
        RuleSet rules = new RuleSet().offline(true);
        rules.on(anyRequestTo("api.example.test").withQueryParam("q", "1").withHeader("Accept")).respond(respond(200).withBody("found"));
        rules.on(anyRequestTo("127.0.0.1").withQueryParam("page")).respond(respond(200).withBody("page"));
        rules.on(post("http://*/login").withJsonPointer("/user", "ann")).respond(respond(201).withJsonBody("{\"token\":\"t\"}"));
        rules.on(anyRequestTo("*.example.test").withBodyContaining("chunked")).respond(respond(204));
        return rules;
    }

    /** A transparent connection to {@link #DESTINATION}, as the redirector hands it over. */
    static ConnectionContext connection(EngineRuntime runtime) {
        ConnectionContext connection = EmbeddedConnections.connection(runtime, ConnectionContext.Entry.TRANSPARENT);
        connection.destination(DESTINATION);
        return connection;
    }

    /**
     * An app's connection as a listener accepts it: it has a parent, which is how Netty's HTTP/2 multiplexer tells a
     * server's connection from a client's.
     */
    static EmbeddedChannel appConnection(CountingAllocator alloc) {
        return alloc.use(new EmbeddedChannel(LISTENER, DefaultChannelId.newInstance(), true, false));
    }

    private static final EmbeddedChannel LISTENER = new Listener();

    /** Stands for the listening socket; being a {@link ServerChannel} is all that matters. */
    private static final class Listener extends EmbeddedChannel implements ServerChannel {
    }

    /**
     * Writes {@code input} to the channel in pieces (see {@link FuzzInput#pieces}), running what each piece
     * schedules, and stops writing once the channel closed. Exceptions that reach the end of the pipeline (a handler
     * that does not handle its errors) are rethrown by the channel.
     */
    static void feed(EmbeddedChannel channel, CountingAllocator alloc, byte[] input) {
        for (int[] piece : FuzzInput.pieces(input)) {
            if (!channel.isOpen()) {
                return;
            }
            channel.writeInbound(alloc.copy(input, piece[0], piece[1]));
            channel.runPendingTasks();
            discardOutbound(channel);
        }
    }

    /** Lets every timer fire (silence, response deadlines), then closes the channel and drops what is left in it. */
    static void windDown(EmbeddedChannel channel) {
        channel.advanceTimeBy(1, TimeUnit.HOURS);
        channel.runPendingTasks();
        channel.runScheduledPendingTasks();
        discardOutbound(channel);
        channel.close();
        channel.runPendingTasks();
        channel.finishAndReleaseAll();
        channel.checkException();
    }

    /** Releases what the handlers wrote towards the app. */
    static void discardOutbound(EmbeddedChannel channel) {
        for (Object written; (written = channel.readOutbound()) != null; ) {
            ReferenceCountUtil.release(written);
        }
    }
}
