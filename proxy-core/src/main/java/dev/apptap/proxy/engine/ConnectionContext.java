package dev.apptap.proxy.engine;

import dev.apptap.flow.Endpoint;
import dev.apptap.flow.ProcessInfo;
import dev.apptap.flow.TlsInfo;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Optional;

/**
 * The facts every connection from an app carries: where the app is, where it meant to go, which process
 * opened it, and (once known) its TLS session. Belongs to the connection's event loop; not thread-safe.
 */
final class ConnectionContext {

    /** How the connection reached the engine. */
    enum Entry { EXPLICIT, TRANSPARENT, ADOPTED }

    final EngineRuntime runtime;
    final Entry entry;
    final Endpoint client;
    final Instant acceptedAt = Instant.now();
    ProcessInfo process = ProcessInfo.UNKNOWN;

    /** The numeric address to connect upstream to, when the redirector knows it (transparent, adopted). */
    InetSocketAddress originalAddress;
    /** The host the app addressed: a name from CONNECT, SNI or Host, else the original IP. */
    String host;
    int port;
    ClientHello hello;
    TlsInfo tls;
    /**
     * An upstream connection opened before the relay that will use it exists: during the app's TLS handshake (for
     * h2, to learn which protocol the server speaks; for HTTP/1.1, so that the server's handshake overlaps the
     * app's), or after the app's silence, to learn whether the server speaks first.
     */
    private Future<Channel> inAdvance;

    ConnectionContext(EngineRuntime runtime, Entry entry, InetSocketAddress clientAddress) {
        this.runtime = runtime;
        this.entry = entry;
        this.client = clientAddress == null ? Endpoint.of("unknown", 0)
                : new Endpoint(Addresses.literal(clientAddress), clientAddress.getPort(), Addresses.literal(clientAddress));
    }

    void destination(InetSocketAddress original) {
        this.originalAddress = original;
        this.host = Addresses.literal(original);
        this.port = original.getPort();
        runtime.settings().dnsAddresses().flatMap(pool -> pool.nameOf(original.getAddress())).ifPresent(name -> {
            // apptap's own DNS gave the app this address for a name: go where the name leads instead
            this.host = name;
            this.originalAddress = null;
        });
    }

    /** Keeps {@code upstream} for the relay to come; closed with the app's connection unless a relay took it. */
    void connectingInAdvance(Channel app, Future<Channel> upstream) {
        this.inAdvance = upstream;
        app.closeFuture().addListener(closed -> {
            Future<Channel> untaken = takeConnectingInAdvance();
            if (untaken != null) {
                closeWhenConnected(untaken);
            }
        });
    }

    /** The upstream connection opened in advance, left in place; null if there is none. */
    Future<Channel> connectingInAdvance() {
        return inAdvance;
    }

    /** Hands over the upstream connection opened in advance, once, done or not; null if there is none. */
    Future<Channel> takeConnectingInAdvance() {
        Future<Channel> upstream = inAdvance;
        inAdvance = null;
        return upstream;
    }

    /** Hands over the upstream connection opened in advance if it is open by now; null otherwise. */
    Channel takePreconnected() {
        Future<Channel> upstream = takeConnectingInAdvance();
        if (upstream == null) {
            return null;
        }
        if (upstream.isDone() && upstream.isSuccess() && upstream.getNow().isActive()) {
            return upstream.getNow();
        }
        closeWhenConnected(upstream);
        return null;
    }

    static void closeWhenConnected(Future<Channel> upstream) {
        upstream.addListener(done -> {
            if (done.isSuccess()) {
                upstream.getNow().close();
            }
        });
    }

    boolean isTls() {
        return tls != null;
    }

    /** Where the app meant to go, for flows; made again only when the destination changed (every snapshot asks). */
    Endpoint server() {
        Endpoint known = server;
        String currentHost = host == null ? "unknown" : host;
        if (known == null || !known.host().equals(currentHost) || known.port() != port || serverFor != originalAddress) {
            known = new Endpoint(currentHost, port, originalAddress == null ? "" : Addresses.literal(originalAddress));
            server = known;
            serverFor = originalAddress;
        }
        return known;
    }

    private Endpoint server;
    private InetSocketAddress serverFor;

    Optional<TlsInfo> tlsInfo() {
        return Optional.ofNullable(tls);
    }

    /** {@code curl (pid 42) → api.example.test:443}, for log lines and error sentences. */
    String describe() {
        return process.describe() + " → " + server().authority();
    }
}
