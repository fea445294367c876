package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.TlsInfo;
import dev.apptap.proxy.launch.TrustAdvice;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLSession;

/**
 * Waits for the app's TLS handshake with apptap. On success it notes the session and hands the decrypted
 * stream to a new {@link ProtocolSniffer}; on failure it records why, and when the app refused apptap's
 * certificate, the sentence names the app, the host, and how to make the app trust apptap's CA.
 */
final class ClientTlsOutcome extends ChannelInboundHandlerAdapter {

    static final String NAME = "tls-outcome";

    /** Alerts by which TLS stacks say "I do not trust this certificate". */
    private static final List<String> REJECTION_ALERTS = List.of("unknown_ca", "bad_certificate",
            "certificate_unknown", "unsupported_certificate", "certificate_expired", "access_denied",
            "decrypt_error");

    private final ConnectionContext connection;
    /** Application data the TLS engine decrypted before it reported the handshake complete. */
    private final ArrayDeque<Object> early = new ArrayDeque<>();
    private boolean failureHandled;

    ClientTlsOutcome(ConnectionContext connection) {
        this.connection = connection;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (!(event instanceof SslHandshakeCompletionEvent handshake)) {
            super.userEventTriggered(ctx, event);
            return;
        }
        if (handshake.isSuccess()) {
            SslHandler tls = ctx.pipeline().get(SslHandler.class);
            SSLSession session = tls.engine().getSession();
            ClientHello hello = connection.hello == null ? ClientHello.NONE : connection.hello;
            String alpn = tls.applicationProtocol();
            connection.tls = new TlsInfo(hello.sni(), hello.alpn(), alpn == null ? "" : alpn,
                    session.getProtocol(), session.getCipherSuite(), false);
            if ("h2".equals(alpn)) {
                ctx.pipeline().addAfter(NAME, Http2Relay.NAME, new Http2Relay(connection));
            } else {
                ctx.pipeline().addAfter(NAME, ProtocolSniffer.NAME, new ProtocolSniffer(connection, true));
            }
            while (!early.isEmpty()) {
                ctx.fireChannelRead(early.poll());
            }
            ctx.pipeline().remove(this);
        } else {
            handleFailure(ctx, handshake.cause());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        early.add(msg);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        while (!early.isEmpty()) {
            ReferenceCountUtil.release(early.poll());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // The handshake event carries the same failure; record it once and close.
        handleFailure(ctx, cause);
    }

    private void handleFailure(ChannelHandlerContext ctx, Throwable cause) {
        if (failureHandled) {
            return;
        }
        failureHandled = true;
        ClientHello hello = connection.hello == null ? ClientHello.NONE : connection.hello;
        connection.tls = new TlsInfo(hello.sni(), hello.alpn(), "", "", "", false);
        connection.runtime.connectionFlows().failed(connection, describe(cause));
        ctx.close();
    }

    FlowError describe(Throwable cause) {
        String app = connection.process.describe();
        String host = connection.host;
        String detail = UpstreamFailures.message(UpstreamFailures.rootOf(cause));
        if (isNegotiationFailure(cause)) {
            return new FlowError(FlowError.Kind.CLIENT_TLS_FAILED, "The TLS handshake between " + app + " and apptap for "
                    + host + " failed before apptap showed a certificate: " + detail + ".");
        }
        // Past negotiation, a failed handshake is the app refusing the certificate: TLS stacks say so with an
        // alert (which JDK engines do not always decode) or by hanging up.
        String alert = rejectionAlert(cause);
        String how = alert != null ? "TLS alert " + alert
                : isClosedDuringHandshake(cause) ? "it closed the connection during the handshake" : detail;
        return new FlowError(FlowError.Kind.CLIENT_REJECTED_CERTIFICATE, app + " rejected apptap's certificate for "
                + host + " (" + how + "), so it does not trust apptap's CA. " + trustAdvice(connection.process.name()));
    }

    /** Failures of the negotiation itself, before any certificate was shown: garbage, no shared protocol. */
    private static boolean isNegotiationFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (t instanceof NotSslRecordException || message.contains("no cipher suites in common")
                    || message.contains("no appropriate protocol") || message.contains("not enabled or not supported")
                    || message.contains("unsupported or unrecognized ssl message")
                    || message.contains("no application protocol") || message.contains("no_shared_cipher")
                    || message.contains("unsupported_protocol") || message.contains("wrong_version_number")
                    || message.contains("http_request") || message.contains("no_application_protocol")) {
                return true;
            }
        }
        return false;
    }

    private String trustAdvice(String app) {
        String setting = connection.runtime.settings().trustFiles().map(files -> TrustAdvice.settingFor(app, files))
                .orElseGet(() -> TrustAdvice.settingFor(app));
        return "Start it with apptap's launch environment, or set " + setting
                + ", or install the CA with 'apptap ca install'.";
    }

    private static String rejectionAlert(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            for (String alert : REJECTION_ALERTS) {
                if (message.contains(alert) || message.contains(alert.replace('_', ' '))) {
                    return alert;
                }
            }
        }
        return null;
    }

    private static boolean isClosedDuringHandshake(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (t instanceof ClosedChannelException || message.contains("closed")
                    || message.contains("connection reset")) {
                return true;
            }
        }
        return false;
    }
}
