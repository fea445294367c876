package dev.apptap.proxy.redirect;

import dev.apptap.proxy.netns.NetworkNamespace;
import java.io.IOException;

/**
 * Opens the engine's transparent listeners and DNS responder inside another network namespace (a container's), on
 * the same loopback addresses and ports as in the engine's own, so a redirector that rewrites a connect to
 * {@code 127.0.0.1:P} reaches the engine from any namespace. The container's traffic stays on its own loopback; the
 * engine, on the host, talks upstream.
 *
 * <pre>{@code
 * AutoCloseable opened = session.namespaceListeners().openIn(NetworkNamespace.ofProcess(containerPid));
 * ...
 * opened.close();   // when the namespace's last process is gone
 * }</pre>
 */
@FunctionalInterface
public interface NamespaceListeners {

    /**
     * Opens the listeners in {@code namespace}; closing the result closes them (and lets the kernel free the
     * namespace once its processes are gone).
     *
     * @throws IOException when the namespace cannot be entered or a port is taken there
     */
    AutoCloseable openIn(NetworkNamespace namespace) throws IOException;
}
