package io.github.p2pboot.transport.quic;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Function;

/**
 * Sits in front of the dial socket's QUIC client codec and lets stateless resets reach the
 * connection they are meant for. A reset begins with random bytes where a short header has its
 * destination id, and Netty's codec finds connections by that id only, so it drops every reset
 * before quiche can compare its last 16 bytes with the token the server gave. This handler hands
 * a short-header packet whose id is not one of ours, from an address we have connections to, to
 * each of those connections (at most {@value #MAX_CONNECTIONS_TRIED}) as a reset-sized packet
 * carrying that connection's id and the original's last 16 bytes. quiche then checks it against
 * the connection's own token (RFC 9000 §10.3.1) and drops it if it is anything else, so a forged
 * reset closes nothing.
 *
 * <p>It also drops short-header packets for one of our ids that come from another address than
 * the one that connection dialled (see {@link #channelRead}).
 *
 * <p>Packets for our ids, long headers and packets from unknown addresses pass untouched; on a
 * healthy connection every packet carries one of our ids, so this costs one AES block per packet.
 */
final class IncomingResetRouter extends ChannelInboundHandlerAdapter {

    static final int MAX_CONNECTIONS_TRIED = 4;
    private static final int ROUTED_LENGTH = 1 + ConnectionIds.LENGTH + ResetKeys.TOKEN_LENGTH;

    private final ConnectionIds ids;
    private final Function<InetSocketAddress, List<byte[]>> ourIdsTowards;
    private final Function<byte[], InetSocketAddress> peerOf;

    /**
     * @param ourIdsTowards the ids of our connections on this socket to a remote address
     * @param peerOf the address we dialled for one of our ids, or null
     */
    IncomingResetRouter(ConnectionIds ids, Function<InetSocketAddress, List<byte[]>> ourIdsTowards,
            Function<byte[], InetSocketAddress> peerOf) {
        this.ids = ids;
        this.ourIdsTowards = ourIdsTowards;
        this.peerOf = peerOf;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramPacket packet && isOursFromElsewhere(packet)) {
            // Netty 4.2.18 takes the sender of every packet it routes to a connection as the
            // address to send to next, before quiche has authenticated the packet: one forged
            // packet with our id would send the connection's traffic to the forger. A server
            // does not migrate (RFC 9000 §9), so a packet for one of our dialled connections
            // from any other address than the one we dialled is not the server's.
            packet.release();
            return;
        }
        if (msg instanceof DatagramPacket packet && mayBeAReset(packet.content())) {
            List<byte[]> candidates = ourIdsTowards.apply(packet.sender());
            if (!candidates.isEmpty()) {
                try {
                    ByteBuf content = packet.content();
                    byte first = content.getByte(content.readerIndex());
                    int tokenAt = content.writerIndex() - ResetKeys.TOKEN_LENGTH;
                    for (byte[] id : candidates.subList(0, Math.min(candidates.size(), MAX_CONNECTIONS_TRIED))) {
                        ByteBuf routed = ctx.alloc().buffer(ROUTED_LENGTH);
                        routed.writeByte(first).writeBytes(id).writeBytes(content, tokenAt, ResetKeys.TOKEN_LENGTH);
                        ctx.fireChannelRead(new DatagramPacket(routed, packet.recipient(), packet.sender()));
                    }
                } finally {
                    packet.release();
                }
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private boolean isOursFromElsewhere(DatagramPacket packet) {
        ByteBuf content = packet.content();
        int start = content.readerIndex();
        if (content.readableBytes() <= ConnectionIds.LENGTH || (content.getByte(start) & 0x80) != 0) {
            return false;
        }
        byte[] id = new byte[ConnectionIds.LENGTH];
        content.getBytes(start + 1, id);
        InetSocketAddress dialled = peerOf.apply(id);
        return dialled != null && !dialled.equals(packet.sender());
    }

    private boolean mayBeAReset(ByteBuf content) {
        int start = content.readerIndex();
        return content.readableBytes() >= StatelessResetHandler.MIN_RESET
                && (content.getByte(start) & 0xc0) == 0x40
                && ids.classify(content, start + 1) != ConnectionIds.Origin.THIS_RUN;
    }
}
