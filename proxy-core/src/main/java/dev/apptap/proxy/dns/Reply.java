package dev.apptap.proxy.dns;

import dev.apptap.flow.DnsFlow;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.InetSocketAddress;

/** Where one query's answer goes: back to the app's socket, over the transport the query came by. */
abstract sealed class Reply {

    final Channel channel;
    final InetSocketAddress app;
    final InetSocketAddress local;

    Reply(Channel channel, InetSocketAddress app, InetSocketAddress local) {
        this.channel = channel;
        this.app = app;
        this.local = local;
    }

    abstract DnsFlow.Transport transport();

    /** A response to fill in and {@link #send}. */
    abstract DnsResponse newResponse(int id, DnsOpCode opCode, DnsResponseCode code);

    /** Sends a response built by {@link #newResponse}; takes ownership. */
    void send(DnsResponse response) {
        channel.writeAndFlush(response);
    }

    /** Sends an upstream answer byte for byte; takes ownership. */
    abstract void relay(ByteBuf answer);

    static final class Udp extends Reply {
        Udp(Channel channel, InetSocketAddress app, InetSocketAddress local) {
            super(channel, app, local);
        }

        @Override
        DnsFlow.Transport transport() {
            return DnsFlow.Transport.UDP;
        }

        @Override
        DnsResponse newResponse(int id, DnsOpCode opCode, DnsResponseCode code) {
            return new DatagramDnsResponse(local, app, id, opCode, code);
        }

        @Override
        void relay(ByteBuf answer) {
            channel.writeAndFlush(new DatagramPacket(answer, app, local));
        }
    }

    static final class Tcp extends Reply {
        Tcp(Channel channel, InetSocketAddress app, InetSocketAddress local) {
            super(channel, app, local);
        }

        @Override
        DnsFlow.Transport transport() {
            return DnsFlow.Transport.TCP;
        }

        @Override
        DnsResponse newResponse(int id, DnsOpCode opCode, DnsResponseCode code) {
            return new DefaultDnsResponse(id, opCode, code);
        }

        @Override
        void relay(ByteBuf answer) {
            ByteBuf length = channel.alloc().buffer(2).writeShort(answer.readableBytes());
            channel.writeAndFlush(Unpooled.wrappedBuffer(length, answer));
        }
    }
}
