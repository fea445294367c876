package dev.apptap.proxy.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DnsResponse;
import java.net.InetSocketAddress;
import java.util.List;

/** Netty's DNS codecs, bent where the responder needs more than they give. */
final class Codecs {

    /** Bytes in a DNS header: id, flags, and the four section counts. */
    static final int HEADER_LENGTH = 12;

    private Codecs() {
    }

    /** Whether a datagram has a whole header whose QR bit says "query". */
    static boolean looksLikeQuery(ByteBuf bytes) {
        return bytes.readableBytes() >= HEADER_LENGTH && (bytes.getByte(bytes.readerIndex() + 2) & 0x80) == 0;
    }

    /**
     * A query whose header could be read but whose body could not: it gets FORMERR. Datagrams without even a
     * query header are dropped instead, because answering junk (or another server's responses) invites
     * reflection loops.
     */
    record MalformedQuery(InetSocketAddress sender, InetSocketAddress recipient, int id, int opCode, String reason) {
    }

    /** Turns decoding failures into {@link MalformedQuery} messages instead of exceptions that lose the sender. */
    static final class UdpQueryDecoder extends DatagramDnsQueryDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) throws Exception {
            ByteBuf bytes = packet.content();
            if (!looksLikeQuery(bytes)) {
                return; // Netty's decoder would take a response for a query, and answering it could loop
            }
            int at = bytes.readerIndex(); // decoding moves it
            try {
                super.decode(ctx, packet, out);
            } catch (Exception undecodable) {
                out.add(new MalformedQuery(packet.sender(), packet.recipient(), bytes.getUnsignedShort(at),
                        (bytes.getByte(at + 2) >> 3) & 0x0f, String.valueOf(undecodable.getMessage())));
            }
        }
    }

    /**
     * Also lets raw {@link DatagramPacket}s through: relayed upstream answers are written byte for byte, and the
     * stock encoder would take any {@link AddressedEnvelope} for a {@link DnsResponse}.
     */
    static final class UdpResponseEncoder extends DatagramDnsResponseEncoder {
        @Override
        public boolean acceptOutboundMessage(Object msg) {
            return msg instanceof AddressedEnvelope<?, ?> envelope && envelope.content() instanceof DnsResponse;
        }
    }

    /** Decodes an upstream answer for the record only; the app gets the original bytes. */
    static final class ResponseParser extends DatagramDnsResponseDecoder {
        DnsResponse parse(ByteBuf bytes, InetSocketAddress from, InetSocketAddress to) throws Exception {
            // decodeResponse leaves the packet alone and retains what it keeps, so a plain duplicate suffices.
            return decodeResponse(null, new DatagramPacket(bytes.duplicate(), to, from));
        }
    }
}
