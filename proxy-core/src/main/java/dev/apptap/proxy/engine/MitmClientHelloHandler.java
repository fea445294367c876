package dev.apptap.proxy.engine;

import dev.apptap.flow.FlowError;
import dev.apptap.flow.TlsInfo;
import dev.apptap.proxy.rules.Rule;
import dev.apptap.proxy.rules.RuleSet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import java.util.ArrayList;
import java.util.List;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslClientHelloHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.Optional;

/**
 * Reads the app's ClientHello (SNI, ALPN), then either relays the TLS bytes untouched (passthrough hosts)
 * or answers with a certificate minted for the host, obtained off the event loop. Netty buffers the
 * ClientHello and replays it into the handler that replaces this one.
 */
final class MitmClientHelloHandler extends SslClientHelloHandler<Optional<SslContext>> {

    static final String NAME = "tls-hello";
    static final String TLS = "tls";

    /** A TLS 1.2-framed fatal alert record, handshake_failure (40): what a server that refuses the handshake sends. */
    private static final byte[] HANDSHAKE_FAILURE_ALERT = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};

    private final ConnectionContext connection;
    /** The rule that asked to fail this handshake ({@code Fault.tlsHandshakeFailure()}), if one did. */
    private Rule failingHandshake;

    MitmClientHelloHandler(ConnectionContext connection) {
        super(64 * 1024);
        this.connection = connection;
    }

    @Override
    protected Future<Optional<SslContext>> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) {
        ClientHello hello = ClientHello.parse(clientHello);
        connection.hello = hello;
        if (!hello.sni().isEmpty()) {
            connection.host = hello.sni();
        }
        Promise<Optional<SslContext>> promise = ctx.executor().newPromise();
        failingHandshake = connection.runtime.settings().rules().failingTlsHandshakeFor(connection.host).orElse(null);
        if (failingHandshake != null) {
            closeProbe();
            return promise.setSuccess(Optional.empty());
        }
        if (connection.runtime.settings().isPassthrough(connection.host)) {
            return promise.setSuccess(Optional.empty());
        }
        List<String> offered = httpProtocols(hello.alpn());
        RuleSet rules = connection.runtime.settings().rules();
        // Offline nothing may leave the machine, and stubbed or routed hosts need not be asked.
        boolean mayAskUpstream = !rules.isOffline() && !rules.matchesHost(connection.host);
        if (!offered.contains(ApplicationProtocolNames.HTTP_2)) {
            if (mayAskUpstream) {
                // like mitmproxy's eager strategy: the server's handshake overlaps minting and the app's handshake
                connectInAdvance(ctx, offered);
            } else {
                closeProbe();
            }
            answerWith(promise, offered.isEmpty() ? "" : ApplicationProtocolNames.HTTP_1_1);
            return promise;
        }
        if (!mayAskUpstream) {
            closeProbe();
            // agree on HTTP/1.1 where the app allows it: a route's server speaks HTTP/1.1, so the exchange stays one
            // protocol end to end (an h2-only app still gets stubs and routes, through Http2RoutedFrames)
            answerWith(promise, offered.contains(ApplicationProtocolNames.HTTP_1_1)
                    ? ApplicationProtocolNames.HTTP_1_1 : ApplicationProtocolNames.HTTP_2);
            return promise;
        }
        // The app would speak h2: ask the server first, and agree with the app on what the server chose, so
        // that gRPC stays h2 end to end and an HTTP/1.1-only server never sees h2.
        connectInAdvance(ctx, offered).addListener((Future<Channel> upstream) -> {
            String protocol = ApplicationProtocolNames.HTTP_1_1;
            if (upstream.isSuccess()) {
                String chosen = upstream.getNow().pipeline().get(SslHandler.class).applicationProtocol();
                protocol = chosen == null ? ApplicationProtocolNames.HTTP_1_1 : chosen;
            }
            answerWith(promise, protocol);
        });
        return promise;
    }

    /**
     * Opens the upstream TLS connection now, offering the app's protocols; the relay takes it over later. When the
     * app stayed silent so long that apptap connected to learn whether the server speaks first, TLS goes over that
     * connection.
     */
    private Future<Channel> connectInAdvance(ChannelHandlerContext ctx, List<String> offered) {
        UpstreamTarget target = new UpstreamTarget(connection.host, connection.port, connection.originalAddress, true,
                offered);
        Future<Channel> plain = connection.takeConnectingInAdvance();
        Future<Channel> upstream = plain == null
                ? connection.runtime.connector().connect(ctx.channel().eventLoop(), target,
                        () -> new ChannelHandler[]{new HeldInbound()})
                : connection.runtime.connector().startTls(ctx.channel().eventLoop(), plain, target,
                        () -> new ChannelHandler[]{new HeldInbound()});
        connection.connectingInAdvance(ctx.channel(), upstream);
        return upstream;
    }

    /** The SNI named a host apptap answers itself: the connection opened while the app was silent goes unused. */
    private void closeProbe() {
        Future<Channel> probe = connection.takeConnectingInAdvance();
        if (probe != null) {
            ConnectionContext.closeWhenConnected(probe);
        }
    }

    private void answerWith(Promise<Optional<SslContext>> promise, String protocol) {
        connection.runtime.serverContexts().forHost(connection.host, protocol).whenComplete((context, failure) -> {
            if (failure != null) {
                promise.tryFailure(failure);
            } else {
                promise.trySuccess(Optional.of(context));
            }
        });
    }

    /** The HTTP protocols among those the app offered, in its order. */
    private static List<String> httpProtocols(List<String> offered) {
        List<String> http = new ArrayList<>();
        for (String protocol : offered) {
            if (protocol.equals(ApplicationProtocolNames.HTTP_2) || protocol.equals(ApplicationProtocolNames.HTTP_1_1)) {
                http.add(protocol);
            }
        }
        return http;
    }

    /**
     * Netty refuses a hello it cannot take (longer than 64 KiB) by throwing from its decoder, before any other handler
     * could record the connection.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable reason = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        connection.runtime.connectionFlows().failed(connection, new FlowError(FlowError.Kind.CLIENT_TLS_FAILED,
                connection.process.describe() + " began a TLS handshake with apptap for " + connection.server().authority()
                        + " that apptap could not read (" + UpstreamFailures.message(reason) + "); apptap closed the connection."));
        ctx.close();
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, Future<Optional<SslContext>> future) {
        ClientHello hello = connection.hello == null ? ClientHello.NONE : connection.hello;
        if (!future.isSuccess()) {
            connection.runtime.connectionFlows().failed(connection, new FlowError(FlowError.Kind.INTERNAL,
                    "apptap could not make a certificate for " + connection.host + " to show "
                            + connection.process.describe() + ": " + UpstreamFailures.message(future.cause()) + "."));
            ctx.close();
            return;
        }
        if (failingHandshake != null) {
            failHandshake(ctx);
            return;
        }
        Optional<SslContext> context = future.getNow();
        if (context.isEmpty()) {
            connection.tls = new TlsInfo(hello.sni(), hello.alpn(), "", "", "", true);
            ctx.pipeline().replace(this, TcpRelay.NAME, new TcpRelay(connection));
            return;
        }
        // the peer host names the leaf the shared context answers with
        SslHandler tls = context.get().newHandler(ctx.alloc(), connection.host, connection.port);
        // The outcome handler goes in first: replacing this handler feeds the buffered hello to the SslHandler
        // at once, and a failure it raises must find the handler that records it.
        ctx.pipeline().addAfter(NAME, ClientTlsOutcome.NAME, new ClientTlsOutcome(connection));
        ctx.pipeline().replace(this, TLS, tls);
    }

    /** Ends the app's handshake with a fatal alert, as a rule asked, and records that apptap did. */
    private void failHandshake(ChannelHandlerContext ctx) {
        ClientHello hello = connection.hello == null ? ClientHello.NONE : connection.hello;
        connection.tls = new TlsInfo(hello.sni(), hello.alpn(), "", "", "", false);
        connection.runtime.connectionFlows().failed(connection, new FlowError(FlowError.Kind.FAULT, "apptap ended the"
                + " TLS handshake of " + connection.process.describe() + " for " + connection.host + " with a fatal"
                + " handshake_failure alert, as the rule #" + failingHandshake.id() + " "
                + failingHandshake.matcher().describe() + " asked."));
        ctx.writeAndFlush(Unpooled.wrappedBuffer(HANDSHAKE_FAILURE_ALERT)).addListener(ChannelFutureListener.CLOSE);
    }
}
