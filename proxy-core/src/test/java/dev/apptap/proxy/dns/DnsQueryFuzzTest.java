package dev.apptap.proxy.dns;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apptap.flow.FlowStore;
import dev.apptap.proxy.origin.ProcessResolver;
import dev.apptap.proxy.testing.CountingAllocator;
import dev.apptap.proxy.testing.FuzzInput;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Any bytes as a DNS query, over UDP (the whole input is one datagram) and over TCP (the input is the stream, in
 * pieces), through the responder's own pipeline (its codecs, {@link DnsServerHandler}, {@link QueryProcessor}) with a
 * policy that stubs {@code *.test}, answers one name offline, fails on one, and forwards the rest to a resolver it
 * cannot reach. Over UDP, a datagram with a query header gets exactly one answer with its id (FORMERR when the body
 * is unreadable) and anything else gets none; over TCP the connection answers or closes; neither throws or leaves a
 * buffer unreleased. Seeds ({@code DnsQueryFuzzTestInputs/}): queries of dig (A, AAAA, HTTPS with EDNS, MX without)
 * and a hand-built one, each as sent over UDP.
 */
class DnsQueryFuzzTest {

    private static final InetSocketAddress APP = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress RESPONDER = new InetSocketAddress("127.0.0.1", 53);
    /** Loopback; forwarding fails before a socket connects, because the forwarder's loop is an EmbeddedEventLoop. */
    private static final InetSocketAddress UNREACHABLE_RESOLVER = new InetSocketAddress("127.0.0.1", 9);
    private static final Executor INLINE = Runnable::run;
    private static final FlowStore FLOWS = new FlowStore(64);

    @FuzzTest(maxDuration = "5m")
    void answersEveryQueryOnceOrDropsItWithoutLeaking(byte[] input) {
        FLOWS.clear();
        CountingAllocator alloc = new CountingAllocator();

        EmbeddedChannel udp = alloc.channel();
        udp.pipeline().addLast(new Codecs.UdpResponseEncoder(), new Codecs.UdpQueryDecoder(),
                new DnsServerHandler(processor(udp)));
        udp.writeInbound(new DatagramPacket(alloc.copy(input), RESPONDER, APP));
        udp.runPendingTasks();
        List<ByteBuf> answers = new ArrayList<>();
        for (Object out; (out = udp.readOutbound()) != null; ) {
            answers.add(((DatagramPacket) out).content());
        }
        try {
            if (input.length >= Codecs.HEADER_LENGTH && (input[2] & 0x80) == 0) {
                assertThat(answers).as("answers to %s", FuzzInput.describe(input)).hasSize(1);
                ByteBuf answer = answers.get(0);
                assertThat(answer.getUnsignedShort(0)).as("the answer's id").isEqualTo(((input[0] & 0xFF) << 8) | (input[1] & 0xFF));
                assertThat(answer.getByte(2) & 0x80).as("the answer's QR bit").isNotZero();
            } else {
                assertThat(answers).as("answers to %s, which has no query header", FuzzInput.describe(input)).isEmpty();
            }
        } finally {
            answers.forEach(ReferenceCountUtil::release);
        }
        udp.finishAndReleaseAll();
        udp.checkException();

        EmbeddedChannel tcp = alloc.use(new TcpConnection());
        tcp.pipeline().addLast(new TcpDnsResponseEncoder(), new TcpDnsQueryDecoder(), new DnsServerHandler(processor(tcp)));
        for (int[] piece : FuzzInput.pieces(input)) {
            if (!tcp.isOpen()) {
                break;
            }
            tcp.writeInbound(alloc.copy(input, piece[0], piece[1]));
            tcp.runPendingTasks();
        }
        tcp.finishAndReleaseAll();
        tcp.checkException();

        alloc.assertAllReleased(FuzzInput.describe(input));
    }

    private static QueryProcessor processor(EmbeddedChannel channel) {
        DnsPolicy policy = (name, type) -> {
            if (name.equalsIgnoreCase("fails.example")) {
                throw new IllegalStateException("a policy that fails on " + name);
            }
            if (name.equalsIgnoreCase("offline.example")) {
                return Optional.of(DnsAnswer.offline());
            }
            return name.toLowerCase(Locale.ROOT).endsWith(".test") ? Optional.of(DnsAnswer.stubbed()) : Optional.empty();
        };
        return new QueryProcessor(FLOWS, policy, new LoopbackAddressPool(), new QueryProcessor.Upstream(Optional.of(UNREACHABLE_RESOLVER), ""),
                Duration.ofSeconds(1), ProcessResolver.NONE, ProcessResolver.NONE, OriginalResolverLookup.NONE,
                new UpstreamForwarder(channel.eventLoop()), INLINE);
    }

    /** A TCP connection from the app, as far as the handler asks: addresses are socket addresses. */
    private static final class TcpConnection extends EmbeddedChannel {
        @Override
        protected SocketAddress localAddress0() {
            return RESPONDER;
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return APP;
        }
    }
}
