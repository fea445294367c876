package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.timeout.TimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/** Turns an upstream failure into a flow error whose sentence says what failed and what to do. */
final class UpstreamFailures {

    private UpstreamFailures() {
    }

    static FlowError describe(UpstreamTarget target, Throwable cause) {
        Throwable root = rootOf(cause);
        String where = target.authority() + (target.address() == null ? "" : " (" + Addresses.literal(target.address()) + ")");
        if (root instanceof UnknownHostException) {
            return new FlowError(FlowError.Kind.UPSTREAM_DNS, "apptap could not resolve the host name " + target.host()
                    + "; check the name, or answer it with a stub or a route.");
        }
        if (root instanceof SslHandshakeTimeoutException) {
            return new FlowError(FlowError.Kind.UPSTREAM_TIMEOUT, "The server at " + where
                    + " did not finish its TLS handshake with apptap in time; does it speak TLS on that port?");
        }
        if (root instanceof ConnectTimeoutException || root instanceof SocketTimeoutException
                || root instanceof TimeoutException) {
            return new FlowError(FlowError.Kind.UPSTREAM_TIMEOUT, "apptap timed out connecting to " + where
                    + "; is the server running and reachable?");
        }
        if (root instanceof ConnectException || root instanceof NoRouteToHostException
                || messageContains(root, "connection refused")) {
            return new FlowError(FlowError.Kind.UPSTREAM_REFUSED, "The server at " + where
                    + " refused apptap's connection (" + message(root) + "); is it running on that port?");
        }
        if (root instanceof CertificateException || cause instanceof SSLException || root instanceof SSLException
                || root instanceof NotSslRecordException) {
            return new FlowError(FlowError.Kind.UPSTREAM_TLS, "apptap's TLS handshake with " + where + " failed: "
                    + message(root) + ". If the server uses a private or self-signed certificate, give apptap its CA"
                    + " as upstream trust, or switch upstream verification off for this test.");
        }
        return new FlowError(FlowError.Kind.UPSTREAM_FAILED, "apptap's connection to " + where + " failed: "
                + message(root) + ".");
    }

    static Throwable rootOf(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    static String message(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        // Netty prefixes native errors with the syscall: "finishConnect(..) failed with error(-111): Connection refused".
        if (m.contains("(..) failed")) {
            int colon = m.lastIndexOf(": ");
            return colon >= 0 ? m.substring(colon + 2) : m;
        }
        return m;
    }

    private static boolean messageContains(Throwable t, String text) {
        return t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains(text);
    }
}
