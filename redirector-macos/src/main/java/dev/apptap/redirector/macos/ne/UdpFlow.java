package dev.apptap.redirector.macos.ne;

import dev.apptap.flow.ProcessInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * A UDP flow from the extension: framed {@code UdpPacket}s both ways. DNS (port 53) goes to apptap's DNS responder,
 * which answers {@code *.test} names and stubbed hosts with loopback addresses the engine maps back to the names, and
 * the answer returns with the address the app asked, so the app sees its resolver answer. UDP to port 443 is refused
 * (the flow closes), so HTTP/3 clients fall back to TCP, which apptap can decrypt. Other UDP is refused too: apptap
 * records HTTP, and an app whose other UDP must work is better left out of the spec.
 */
final class UdpFlow extends ByteToMessageDecoder {

    static final String NAME = "ne-udp";
    private static final System.Logger LOG = System.getLogger(UdpFlow.class.getName());
    private static final int DNS_WAIT_MILLIS = 5_000;

    /**
     * What UDP flows share: apptap's DNS responder (if DNS is intercepted) and the threads that wait for its answers.
     */
    record Relays(Optional<InetSocketAddress> dns, ExecutorService blocking) {
    }

    private final ProcessInfo process;
    private final Relays relays;

    UdpFlow(ProcessInfo process, Relays relays) {
        this.process = process;
        this.relays = relays;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.read();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (ctx.channel().isActive()) {
            NeWire.UdpPacket packet;
            try {
                byte[] message = Frames.next(in, "UDP packet");
                if (message == null) {
                    break;
                }
                packet = NeWire.udpPacket(message);
            } catch (NeProtocolException e) {
                refuse(ctx, in, e.getMessage());
                return;
            }
            if (!relay(ctx, packet)) {
                in.skipBytes(in.readableBytes());
                return;
            }
        }
        ctx.read();
    }

    private boolean relay(ChannelHandlerContext ctx, NeWire.UdpPacket packet) {
        int port = packet.remote().port();
        if (port == 53 && relays.dns().isPresent()) {
            InetSocketAddress dns = relays.dns().get();
            relays.blocking().execute(() -> askDns(ctx, packet, dns));
            return true;
        }
        String why = port == 443
                ? " (HTTP/3), which apptap refuses so that the app falls back to TCP, where apptap can decrypt it"
                : port == 53 ? ", but this session intercepts no DNS" : ", which apptap does not relay";
        LOG.log(System.Logger.Level.DEBUG, "The macOS redirector extension sent UDP from " + process.describe()
                + " to " + packet.remote() + why + "; apptap closed that UDP flow.");
        ctx.close();
        return false;
    }

    /** One query, one answer: the responder answers each query on the socket it came from. */
    private void askDns(ChannelHandlerContext ctx, NeWire.UdpPacket packet, InetSocketAddress dns) {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(dns.getAddress(), 0))) {
            socket.setSoTimeout(DNS_WAIT_MILLIS);
            socket.send(new DatagramPacket(packet.data(), packet.data().length, dns));
            byte[] buffer = new byte[65_535];
            DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
            socket.receive(answer);
            byte[] data = Arrays.copyOf(buffer, answer.getLength());
            ctx.channel().writeAndFlush(Unpooled.wrappedBuffer(NeWire.udpPacket(new NeWire.UdpPacket(data,
                    packet.remote()))));
        } catch (SocketTimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "apptap's DNS responder at " + dns + " did not answer a query from "
                    + process.describe() + " within " + DNS_WAIT_MILLIS + " ms; the app will retry or fail its lookup.");
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "apptap could not relay a DNS query from " + process.describe()
                    + " to its DNS responder at " + dns + ": " + e.getMessage());
        }
    }

    /** The app's side ended: apptap ends the flow too (answers still on their way have no one to read them). */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        in.skipBytes(in.readableBytes());
        ctx.close();
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in, String why) {
        LOG.log(System.Logger.Level.WARNING, why);
        in.skipBytes(in.readableBytes());
        ctx.close();
    }
}
