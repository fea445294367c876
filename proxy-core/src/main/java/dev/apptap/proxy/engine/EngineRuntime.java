package dev.apptap.proxy.engine;

import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;

/** What the handlers of a running engine share: settings, event loops, TLS, upstream connections. */
final class EngineRuntime {

    private final EngineSettings settings;
    private final Transport transport;
    private final EventLoopGroup workers;
    private final ExecutorService blocking;
    private final UpstreamTls upstreamTls;
    private final UpstreamConnector connector;
    private final MitmServerContexts serverContexts;
    private final Pipelines pipelines;
    private final ConnectionFlows connectionFlows;
    private final List<InetSocketAddress> listeners = new CopyOnWriteArrayList<>();

    EngineRuntime(EngineSettings settings, Transport transport, EventLoopGroup workers, ExecutorService blocking,
                  MitmServerContexts serverContexts) {
        this.settings = settings;
        this.transport = transport;
        this.workers = workers;
        this.blocking = blocking;
        this.serverContexts = serverContexts;
        this.upstreamTls = new UpstreamTls(settings);
        this.connector = new UpstreamConnector(this);
        this.pipelines = new Pipelines();
        this.connectionFlows = new ConnectionFlows(this);
    }

    EngineSettings settings() {
        return settings;
    }

    Transport transport() {
        return transport;
    }

    EventLoopGroup workers() {
        return workers;
    }

    /** For work that blocks: name lookups, /proc scans, certificate minting. */
    ExecutorService blocking() {
        return blocking;
    }

    UpstreamTls upstreamTls() {
        return upstreamTls;
    }

    UpstreamConnector connector() {
        return connector;
    }

    MitmServerContexts serverContexts() {
        return serverContexts;
    }

    Pipelines pipelines() {
        return pipelines;
    }

    ConnectionFlows connectionFlows() {
        return connectionFlows;
    }

    void addListener(InetSocketAddress bound) {
        listeners.add(bound);
    }

    /** Whether connecting to {@code address} would reach one of apptap's own listeners (a relay loop). */
    boolean isOwnListener(InetSocketAddress address) {
        InetAddress target = address.getAddress();
        for (InetSocketAddress listener : listeners) {
            InetAddress bound = listener.getAddress();
            if (listener.getPort() == address.getPort() && target != null
                    && (bound == null || bound.isAnyLocalAddress() || bound.equals(target))) {
                return true;
            }
        }
        return false;
    }
}
