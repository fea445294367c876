package dev.apptap.proxy.engine;

import dev.apptap.proxy.ca.LeafCertificates;
import dev.apptap.flow.FlowStore;
import dev.apptap.flow.ProcessInfo;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/** Connections for handler tests on {@code EmbeddedChannel}: a runtime whose blocking work runs inline. */
final class EmbeddedConnections {

    static final ProcessInfo CURL = new ProcessInfo(4242, "curl", "/usr/bin/curl", List.of("curl", "https://example.test/"));

    private EmbeddedConnections() {
    }

    static ConnectionContext connection(FlowStore flows, ConnectionContext.Entry entry) {
        return connection(runtime(ProxyEngine.builder().flows(flows)), entry);
    }

    /** A runtime with {@code builder}'s settings whose blocking work (name lookups, certificate minting) runs inline. */
    static EngineRuntime runtime(ProxyEngine.Builder builder) {
        InlineExecutor inline = new InlineExecutor();
        return new EngineRuntime(builder.settings(), Transport.best(), null, inline,
                new MitmServerContexts(new LeafCertificates(EngineFixture.CA, inline)));
    }

    /** A connection from curl at 127.0.0.1:40000 on {@code runtime}. */
    static ConnectionContext connection(EngineRuntime runtime, ConnectionContext.Entry entry) {
        ConnectionContext connection = new ConnectionContext(runtime, entry, new InetSocketAddress("127.0.0.1", 40000));
        connection.process = CURL;
        return connection;
    }

    /** Runs submitted work on the caller's thread, so an EmbeddedChannel test sees its effects at once. */
    static final class InlineExecutor extends AbstractExecutorService {
        private volatile boolean shutdown;

        @Override
        public void execute(Runnable command) {
            command.run();
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }

}
