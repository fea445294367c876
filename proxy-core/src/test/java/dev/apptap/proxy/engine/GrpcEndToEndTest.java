package dev.apptap.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apptap.flow.HttpFlow;
import dev.apptap.proxy.har.HarWriter;
import dev.apptap.proxy.rules.Replay;
import dev.apptap.proxy.rules.RequestMatcher;
import dev.apptap.proxy.testing.TestPki;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.HttpConnectProxiedSocketAddress;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A grpc-java client and server (TLS, HTTP/2 end to end) through apptap's proxy: unary and server-streaming
 * calls pass intact, and each is recorded with its trailers ({@code grpc-status}); recorded to a HAR, they replay
 * with the server stopped.
 */
class GrpcEndToEndTest {

    private static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<String, String> GREET = method("Greet", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<String, String> COUNT = method("Count", MethodDescriptor.MethodType.SERVER_STREAMING);

    @TempDir
    Path dir;

    @Test
    void relaysUnaryAndServerStreamingCallsWithTheirTrailers() throws Exception {
        Server server = startServer();
        try (EngineFixture apptap = EngineFixture.start(dir.resolve("trust"))) {
            ManagedChannel channel = channelThrough(apptap, server.getPort());
            try {
                callsEchoUnaryAndStreaming(channel);
                HttpFlow unary = apptap.awaitHttp(f -> f.request().path().equals("/apptap.Echo/Greet"));
                HttpFlow stream = apptap.awaitHttp(f -> f.request().path().equals("/apptap.Echo/Count"));
                for (HttpFlow flow : List.of(unary, stream)) {
                    assertThat(flow.request().version()).isEqualTo("HTTP/2");
                    assertThat(flow.request().headers().first("content-type")).hasValue("application/grpc");
                    assertThat(flow.response().orElseThrow().trailers().first("grpc-status")).hasValue("0");
                    assertThat(flow.tls().orElseThrow().alpn()).isEqualTo("h2");
                }
                // five-byte gRPC frame headers, then the three messages
                assertThat(stream.response().orElseThrow().body().size()).isEqualTo(3 * (5 + 2));
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void replaysRecordedCallsWithTheirTrailersWithTheServerStopped() throws Exception {
        Path har = dir.resolve("grpc.har");
        Server server = startServer();
        int port = server.getPort();
        try (EngineFixture apptap = EngineFixture.start(dir.resolve("trust-record"))) {
            ManagedChannel channel = channelThrough(apptap, port);
            try {
                callsEchoUnaryAndStreaming(channel);
                apptap.awaitHttp(f -> f.request().path().equals("/apptap.Echo/Count"));
                HarWriter.write(apptap.all(), har);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }

        try (EngineFixture apptap = EngineFixture.start(dir.resolve("trust-replay"))) {
            apptap.engine.rules().on(RequestMatcher.anyRequest()).respond(Replay.of(har).answer());
            ManagedChannel channel = channelThrough(apptap, port);
            try {
                callsEchoUnaryAndStreaming(channel);
                HttpFlow unary = apptap.awaitHttp(f -> f.request().path().equals("/apptap.Echo/Greet"));
                assertThat(unary.isStubbed()).isTrue();
                assertThat(unary.request().version()).isEqualTo("HTTP/2");
                assertThat(unary.response().orElseThrow().trailers().first("grpc-status")).hasValue("0");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** One unary and one server-streaming call, and their answers. */
    private static void callsEchoUnaryAndStreaming(ManagedChannel channel) {
        String greeting = ClientCalls.blockingUnaryCall(channel, GREET, CallOptions.DEFAULT, "apptap");
        List<String> counted = new ArrayList<>();
        ClientCalls.blockingServerStreamingCall(channel, COUNT, CallOptions.DEFAULT, "n").forEachRemaining(counted::add);

        assertThat(greeting).isEqualTo("hello apptap");
        assertThat(counted).containsExactly("n1", "n2", "n3");
    }

    /** A grpc-java channel to localhost:port through apptap's explicit proxy, trusting apptap's CA. */
    private static ManagedChannel channelThrough(EngineFixture apptap, int port) throws IOException {
        return Grpc.newChannelBuilderForAddress("localhost", port,
                        TlsChannelCredentials.newBuilder().trustManager(apptap.trust.caCertificate().toFile()).build())
                .proxyDetector(target -> HttpConnectProxiedSocketAddress.newBuilder()
                        .setTargetAddress((InetSocketAddress) target)
                        .setProxyAddress(apptap.engine.explicitAddress())
                        .build())
                .build();
    }

    private Server startServer() throws IOException {
        TestPki.ServerCertificate certificate = TestPki.get().serverCertificate();
        Path key = Files.writeString(dir.resolve("grpc-key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.key().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        Path chain = Files.writeString(dir.resolve("grpc-chain.pem"), certificate.chainPem());
        ServerServiceDefinition echo = ServerServiceDefinition.builder("apptap.Echo")
                .addMethod(GREET, ServerCalls.asyncUnaryCall((name, answer) -> {
                    answer.onNext("hello " + name);
                    answer.onCompleted();
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((prefix, answer) -> {
                    for (int i = 1; i <= 3; i++) {
                        answer.onNext(prefix + i);
                    }
                    answer.onCompleted();
                }))
                .build();
        return NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        TlsServerCredentials.create(chain.toFile(), key.toFile()))
                .addService(echo)
                .build()
                .start();
    }

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("apptap.Echo", name))
                .setRequestMarshaller(TEXT)
                .setResponseMarshaller(TEXT)
                .build();
    }
}
