package io.github.p2pboot.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.kademlia.pb.DhtProto.Message;
import io.github.p2pboot.kademlia.pb.DhtProto.Record;
import io.netty.handler.codec.quic.QuicChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Kademlia store (issue 9): bounded by count, not bytes (7,775 PUT_VALUE records of 65,000 B
 * killed a 512 MiB node in 20 s); keys of any size (400 ADD_PROVIDER with 500 KB keys kept 204 MB
 * for 36 h); records in namespaces nobody validates stored and served back.
 */
class HostileKademliaIT {

    /** What a bounded store may keep after the attacker left: its records are legitimately stored. */
    private static final Siege.Allowance STORE = Siege.Allowance.DEFAULT.retainedHeap(Victim.MAX_HEAP / 3);

    @Test
    @Timeout(120)
    void putValueFloodOfLargeRecords() throws Exception {
        try (Siege siege = Siege.begin("kad-put-value-flood")) {
            // 8 × 500 × 65,000 B = 260 MB, twice the heap.
            siege.survive(new KademliaFlood(siege.victim(), KademliaFlood.Kind.PUT_VALUE, 8, 500), STORE);
        }
    }

    @Test
    @Timeout(120)
    void addProviderFloodWithHugeKeys() throws Exception {
        try (Siege siege = Siege.begin("kad-add-provider-huge-keys")) {
            // 4 × 100 × 500 KB = 200 MB.
            siege.survive(new KademliaFlood(siege.victim(), KademliaFlood.Kind.ADD_PROVIDER, 4, 100), STORE);
        }
    }

    @Test
    @Timeout(120)
    void recordsOfNamespacesWithoutValidatorAreRefused() throws Exception {
        List<String> servedBack = new ArrayList<>();
        List<String> unanswered = new ArrayList<>();
        List<String> asked = new ArrayList<>();
        try (Siege siege = Siege.begin("kad-unknown-namespaces")) {
            siege.survive(new Siege.Attack() {
                private RawQuicPeer peer;

                @Override
                public String run() throws Exception {
                    peer = RawQuicPeer.create(Siege.ATTACKERS, PrivateKey.generateEd25519());
                    QuicChannel connection = Attacks.quic(siege.victim(), peer);
                    List<String> stored = new ArrayList<>();
                    for (String key : List.of("/pk/hostile", "/ipns/hostile", "hostile-without-namespace", "/nobody-validates/hostile")) {
                        ByteString k = ByteString.copyFrom(key, StandardCharsets.UTF_8);
                        // A refused PUT gets no answer: the stream closes, or nothing comes.
                        Optional<Message> put = KadRequests.request(connection, Message.newBuilder()
                                .setType(Message.MessageType.PUT_VALUE).setKey(k)
                                .setRecord(Record.newBuilder().setKey(k).setValue(ByteString.copyFromUtf8("not validated"))).build(),
                                Duration.ofSeconds(5));
                        // Every GET is answered, with the record or without it.
                        Optional<Message> get = KadRequests.request(connection, Message.newBuilder()
                                .setType(Message.MessageType.GET_VALUE).setKey(k).build(), Duration.ofSeconds(10));
                        asked.add(key);
                        if (get.isEmpty()) {
                            unanswered.add(key);
                        } else if (get.get().hasRecord()) {
                            servedBack.add(key);
                        }
                        stored.add(key + (put.isPresent() ? " accepted" : " refused"));
                    }
                    return "unknown namespaces: PUT_VALUE " + stored + "; served back by GET_VALUE: " + servedBack
                            + "; GET_VALUE unanswered: " + unanswered;
                }

                @Override
                public void close() {
                    if (peer != null) {
                        peer.close();
                    }
                }
            }, Siege.Allowance.DEFAULT);
        }
        assertThat(asked).as("keys put and asked for (the attack itself worked)").hasSize(4);
        assertThat(unanswered).as("GET_VALUE requests the victim did not answer").isEmpty();
        assertThat(servedBack).as("records of namespaces without a validator, served back").isEmpty();
    }
}
