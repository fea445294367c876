package dev.apptap.redirector.macos.ne;

import dev.apptap.flow.ProcessInfo;
import dev.apptap.proxy.redirect.ConnectionHandover;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The first handler of each flow connection from the extension: reads the framed {@code NewFlow} handshake, then
 * hands a TCP flow (and the bytes after its handshake) to the engine with its destination and process, or turns the
 * connection into a {@link UdpFlow}. A malformed handshake closes that flow with a sentence in the log; the others go
 * on.
 */
final class FlowHandshake extends ByteToMessageDecoder {

    static final String NAME = "ne-handshake";
    private static final System.Logger LOG = System.getLogger(FlowHandshake.class.getName());

    private final ConnectionHandover handover;
    private final UdpFlow.Relays udp;
    private boolean handedOver;
    private boolean inputShutdown;

    FlowHandshake(ConnectionHandover handover, UdpFlow.Relays udp) {
        this.handover = handover;
        this.udp = udp;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.read();
        super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (handedOver) {
            return;
        }
        NeWire.NewFlow flow;
        try {
            byte[] message = Frames.next(in, "flow handshake");
            if (message == null) {
                ctx.read();
                return;
            }
            flow = NeWire.newFlow(message);
        } catch (NeProtocolException e) {
            refuse(ctx, in, e.getMessage());
            return;
        }
        handedOver = true;
        ProcessInfo process = process(flow);
        if (flow.udp()) {
            // What follows are framed packets: the UDP handlers take the bytes left over.
            ctx.pipeline().addAfter(NAME, UdpFlow.NAME, new UdpFlow(process, udp));
            ctx.pipeline().remove(this);
            return;
        }
        InetSocketAddress destination;
        try {
            destination = destination(flow.address().orElseThrow());
        } catch (UnknownHostException e) {
            refuse(ctx, in, "The macOS redirector extension sent the destination " + flow.address().get()
                    + " for a TCP flow from " + process.describe() + ", which is not an IP address; apptap closed"
                    + " that flow.");
            return;
        }
        handover.adopt(ctx.channel(), destination, process);
        // The engine installs its handlers in a task on this loop; the bytes after the handshake go to them once this
        // decoder leaves, which a later task on the same loop guarantees.
        ctx.executor().execute(() -> {
            if (!ctx.isRemoved()) {
                Channel channel = ctx.channel();
                ctx.pipeline().replace(this, HangUp.NAME, new HangUp());
                if (inputShutdown) {
                    channel.close();
                }
            }
        });
    }

    /**
     * Once the flow is the engine's, the app's hang-up ends it (the extension ends both directions when either side
     * ends); before that, it is remembered, so that the bytes that came with it still reach the engine first.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (handedOver && event instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    /** Closes the flow when the extension ends the app's side, as the engine's own listeners do. */
    private static final class HangUp extends ChannelInboundHandlerAdapter {
        static final String NAME = "ne-hang-up";

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (handedOver) {
            inputShutdown = true;
            return;
        }
        if (in.isReadable()) {
            LOG.log(System.Logger.Level.WARNING, "The macOS redirector extension closed a flow after "
                    + in.readableBytes() + " bytes of its handshake, before the handshake was complete; apptap"
                    + " dropped that flow.");
            in.skipBytes(in.readableBytes());
        }
        ctx.close();
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in, String why) {
        handedOver = true;
        LOG.log(System.Logger.Level.WARNING, why);
        in.skipBytes(in.readableBytes());
        ctx.close();
    }

    /** The destination as an address, without a lookup: the extension sends IP literals. */
    static InetSocketAddress destination(NeWire.Address address) throws UnknownHostException {
        String host = address.hostWithoutZone();
        if (!NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host)) {
            throw new UnknownHostException(host);
        }
        return new InetSocketAddress(InetAddress.getByName(host), address.port());
    }

    /** The process as the extension names it: a pid and its executable's full path; the arguments if it still runs. */
    static ProcessInfo process(NeWire.NewFlow flow) {
        if (flow.pid().isEmpty()) {
            return ProcessInfo.UNKNOWN;
        }
        long pid = flow.pid().getAsLong();
        String executable = flow.executable().orElse("");
        Path file = executable.isEmpty() ? null : Path.of(executable).getFileName();
        String name = file == null ? "unknown" : file.toString();
        return new ProcessInfo(pid, name, executable, commandLine(pid, executable));
    }

    /** The arguments of the process that still runs as {@code executable}; none once it exited or its pid was reused. */
    private static List<String> commandLine(long pid, String executable) {
        Optional<ProcessHandle.Info> info = ProcessHandle.of(pid).map(ProcessHandle::info);
        if (info.isEmpty() || info.get().command().isEmpty() || info.get().arguments().isEmpty()
                || !executable.isEmpty() && !info.get().command().get().equals(executable)) {
            return List.of();
        }
        List<String> line = new ArrayList<>();
        line.add(info.get().command().get());
        line.addAll(List.of(info.get().arguments().get()));
        return line;
    }
}
