package io.github.p2pboot.kademlia;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The record store's limits and accounting, on a clock the test moves. */
class KademliaRecordStoreTest {

    private final Instant[] now = {Instant.parse("2026-01-01T00:00:00Z")};
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now[0];
        }
    };
    private final PeerId self = randomPeer();
    private final PeerId alice = randomPeer();
    private final PeerId bob = randomPeer();

    private static PeerId randomPeer() {
        return PrivateKey.generateEd25519().peerId();
    }

    private RecordStore store(int maxRecords, long maxBytes, int maxEntriesPerPeer, long maxBytesPerPeer) {
        return new RecordStore(self, new RecordStore.Limits(maxRecords, 10, maxBytes, maxEntriesPerPeer, maxBytesPerPeer),
                Duration.ofMinutes(1), clock);
    }

    @Test
    void countValueSizeAndExpiryLimits() throws Exception {
        RecordStore store = store(2, 1 << 20, 100, 1 << 20);

        store.put(alice, "a".getBytes(), "1".getBytes());
        store.put(alice, "b".getBytes(), "2".getBytes());
        assertThatThrownBy(() -> store.put(alice, "c".getBytes(), "3".getBytes())).hasMessageContaining("full (2 records)");
        assertThatThrownBy(() -> store.put(alice, "a".getBytes(), new byte[11])).hasMessageContaining("11 bytes");
        assertThat(store.get("a".getBytes())).isPresent();

        now[0] = now[0].plus(Duration.ofMinutes(2));
        assertThat(store.get("a".getBytes())).isEmpty();
        // A full store sweeps what expired before it refuses, and the quota comes back with it.
        store.put(alice, "c".getBytes(), "3".getBytes());
        assertThat(store.recordCount()).isEqualTo(1);
        assertThat(store.usageOf(alice)).isEqualTo(new RecordStore.Usage(1, RecordStore.RECORD_OVERHEAD + 2));
        assertThat(store.bytes()).isEqualTo(RecordStore.RECORD_OVERHEAD + 2);
    }

    @Test
    void aKeyTakesAtMostSoManyProvidersAndLaterOnesAreRefusedNotSwapped() throws Exception {
        RecordStore store = store(10, 1 << 20, 100, 1 << 20);
        PeerId first = randomPeer();
        store.addProvider("k".getBytes(), first);
        for (int i = 1; i < RecordStore.MAX_PROVIDERS_PER_KEY; i++) {
            store.addProvider("k".getBytes(), randomPeer());
        }

        assertThatThrownBy(() -> store.addProvider("k".getBytes(), randomPeer())).hasMessageContaining("64 providers already");
        assertThat(store.providers("k".getBytes())).hasSize(RecordStore.MAX_PROVIDERS_PER_KEY).contains(first);
        // Renewing an entry takes no room.
        store.addProvider("k".getBytes(), first);
        assertThat(store.providerEntryCount()).isEqualTo(RecordStore.MAX_PROVIDERS_PER_KEY);
    }

    @Test
    void eachPeerIsHeldToItsQuotaAndTheLocalNodeOnlyToTheBudget() throws Exception {
        long record = RecordStore.RECORD_OVERHEAD + 1 + 10;
        RecordStore store = store(100, 10 * record, 3, 2 * record);

        store.put(alice, "a".getBytes(), new byte[10]);
        store.put(alice, "b".getBytes(), new byte[10]);
        assertThatThrownBy(() -> store.put(alice, "c".getBytes(), new byte[10])).hasMessageContaining("quota of " + 2 * record + " bytes");
        // Alice may replace her own record within her quota; Bob is not affected by her being full.
        store.put(alice, "a".getBytes(), new byte[5]);
        store.put(bob, "c".getBytes(), new byte[10]);
        for (int i = 0; i < 7; i++) {
            store.put(self, new byte[] {(byte) i}, new byte[10]);
        }
        assertThat(store.bytes()).isEqualTo(10 * record - 5);
        assertThatThrownBy(() -> store.put(self, "t".getBytes(), new byte[1])).hasMessageContaining("full");
        assertThat(store.peerCount()).isEqualTo(2);
    }

    @Test
    void aRecordIsChargedToWhoeverPutItLast() throws Exception {
        long record = RecordStore.RECORD_OVERHEAD + 1 + 10;
        RecordStore store = store(100, 100 * record, 1, 100 * record);

        store.put(alice, "a".getBytes(), new byte[10]);
        store.put(bob, "a".getBytes(), new byte[10]);

        assertThat(store.usageOf(alice)).isEqualTo(RecordStore.Usage.NONE);
        assertThat(store.usageOf(bob)).isEqualTo(new RecordStore.Usage(1, record));
        assertThat(store.bytes()).isEqualTo(record);
        // Alice's single entry is free again; Bob's is used.
        store.put(alice, "b".getBytes(), new byte[10]);
        assertThatThrownBy(() -> store.put(bob, "c".getBytes(), new byte[10])).hasMessageContaining("quota of 1 records");
    }

    @Test
    void providerEntriesCountAgainstTheSameQuotaAndBudget() throws Exception {
        long provider = RecordStore.PROVIDER_OVERHEAD + 34;
        RecordStore store = store(100, 1 << 20, 2, 1 << 20);

        store.addProvider(new byte[34], alice);
        store.put(alice, "a".getBytes(), new byte[10]);
        assertThatThrownBy(() -> store.addProvider(new byte[] {1}, alice)).hasMessageContaining("quota of 2 records and provider entries");
        assertThat(store.bytes()).isEqualTo(provider + RecordStore.RECORD_OVERHEAD + 11);

        now[0] = now[0].plus(Duration.ofMinutes(2));
        store.removeExpired();
        assertThat(store.bytes()).isZero();
        assertThat(store.providerEntryCount()).isZero();
        assertThat(store.usageOf(alice)).isEqualTo(RecordStore.Usage.NONE);
    }
}
