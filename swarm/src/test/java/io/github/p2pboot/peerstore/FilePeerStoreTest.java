package io.github.p2pboot.peerstore;

import static io.github.p2pboot.peerstore.InMemoryPeerStoreTest.identify;
import static io.github.p2pboot.peerstore.InMemoryPeerStoreTest.newPeer;
import static io.github.p2pboot.peerstore.InMemoryPeerStoreTest.quic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.p2pboot.identity.PeerId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class FilePeerStoreTest {

    private static final Duration LONG_DELAY = Duration.ofMinutes(10);

    @TempDir
    Path folder;

    private final MutableClock clock = new MutableClock();
    private final PeerId local = newPeer();
    private final PeerId peer = newPeer();
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private Path file;

    @BeforeEach
    void captureLog() {
        file = folder.resolve("peers.store");
        logged.start();
        ((Logger) LoggerFactory.getLogger(FilePeerStore.class)).addAppender(logged);
    }

    @AfterEach
    void releaseLog() {
        ((Logger) LoggerFactory.getLogger(FilePeerStore.class)).detachAppender(logged);
    }

    private FilePeerStore open(PeerId owner, int maxPeers, Duration writeDelay) {
        return FilePeerStore.open(file, owner, maxPeers, writeDelay, clock);
    }

    private List<String> warnings() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** A store with one peer met over a connection, and one known only from a third party. */
    private void writeOnePeer() {
        try (FilePeerStore store = open(local, 100, LONG_DELAY)) {
            store.connected(peer);
            store.identified(identify(peer, List.of(quic(2001), quic(2002)), Set.of("/ipfs/ping/1.0.0", "/ipfs/id/1.0.0"), "js-libp2p/3.3.11"));
            clock.advance(Duration.ofSeconds(1));
            store.addAddresses(peer, AddressSource.OBSERVED, List.of(quic(1001)));
            store.addAddresses(peer, AddressSource.THIRD_PARTY, List.of(quic(3001)));
            clock.advance(Duration.ofSeconds(1));
            store.disconnected(peer);
            store.addAddresses(newPeer(), AddressSource.THIRD_PARTY, List.of(quic(4001)));
        }
    }

    @Test
    void aNewStoreLoadsWhatTheLastOneWrote() {
        writeOnePeer();
        PeerId second = newPeer();
        try (FilePeerStore store = open(local, 100, LONG_DELAY)) {
            assertThat(store.peers()).containsExactly(peer);
            store.connected(second);
        }

        try (FilePeerStore reloaded = open(local, 100, LONG_DELAY)) {
            assertThat(reloaded.peers()).containsExactlyInAnyOrder(peer, second);
            assertThat(reloaded.addresses(peer)).containsExactly(
                    new KnownAddress(quic(1001), AddressSource.OBSERVED, clock.instant().minusSeconds(1)),
                    new KnownAddress(quic(2001), AddressSource.SELF_REPORTED, clock.instant().minusSeconds(2)),
                    new KnownAddress(quic(2002), AddressSource.SELF_REPORTED, clock.instant().minusSeconds(2)),
                    new KnownAddress(quic(3001), AddressSource.THIRD_PARTY, clock.instant().minusSeconds(1)));
            assertThat(reloaded.protocols(peer)).containsExactlyInAnyOrder("/ipfs/ping/1.0.0", "/ipfs/id/1.0.0");
            assertThat(reloaded.info(peer).orElseThrow().agentVersion()).isEqualTo("js-libp2p/3.3.11");
            assertThat(reloaded.info(peer).orElseThrow().protocolVersion()).isEqualTo("ipfs/0.1.0");
            assertThat(reloaded.lastSeen(peer)).contains(clock.instant());
            assertThat(reloaded.recentlyConnected(10)).containsExactly(second, peer);
        }
        assertThat(warnings()).isEmpty();
    }

    @Test
    void theFileIsOwnerOnlyAndHoldsNeitherTheLocalPeerIdNorPeersKnownOnlyFromThirdParties() throws IOException {
        PeerId gossiped = newPeer();
        try (FilePeerStore store = open(local, 100, LONG_DELAY)) {
            store.connected(peer);
            store.addAddresses(gossiped, AddressSource.THIRD_PARTY, List.of(quic(4001)));
            store.addAddresses(local, AddressSource.THIRD_PARTY, List.of(quic(4002)));
        }

        byte[] bytes = Files.readAllBytes(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(indexOf(bytes, local.toBytes())).isEqualTo(-1);
        assertThat(indexOf(bytes, gossiped.toBytes())).isEqualTo(-1);
        assertThat(indexOf(bytes, peer.toBytes())).isPositive();
        try (FilePeerStore reloaded = open(local, 100, LONG_DELAY)) {
            assertThat(reloaded.peers()).containsExactly(peer);
        }
    }

    @Test
    void changesAreWrittenWithinTheWriteDelayWithoutAClose() {
        FilePeerStore store = open(local, 100, Duration.ofMillis(100));
        try {
            store.connected(peer);
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try (FilePeerStore other = open(local, 100, LONG_DELAY)) {
                    return other.peers().contains(peer);
                }
            });
        } finally {
            store.close();
        }
    }

    @Test
    void aTruncatedFileIsIgnoredOnceAndReplacedByTheNextWrite() throws IOException {
        writeOnePeer();
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(whole, whole.length - 10));

        assertIgnoredThenReplaced("corrupt or truncated");
    }

    @Test
    void aCorruptFileIsIgnoredOnceAndReplacedByTheNextWrite() throws IOException {
        writeOnePeer();
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(file, bytes);

        assertIgnoredThenReplaced("checksum mismatch");
    }

    @Test
    void aFileOfAnotherFormatIsIgnoredOnceAndReplacedByTheNextWrite() throws IOException {
        Files.writeString(file, "{\"peers\": []}\n");

        assertIgnoredThenReplaced("not a p2pboot peer store file");
    }

    @Test
    void aFileOfAnUnknownVersionIsIgnoredOnce() throws IOException {
        writeOnePeer();
        byte[] bytes = Files.readAllBytes(file);
        bytes[PeerStoreFile.MAGIC.length] = 9;
        Files.write(file, bytes);

        assertIgnoredThenReplaced("unsupported format version 9");
    }

    @Test
    void aFileOfAnotherIdentityIsIgnoredOnceAndReplacedByTheNextWrite() {
        try (FilePeerStore other = open(newPeer(), 100, LONG_DELAY)) {
            other.connected(peer);
        }

        assertIgnoredThenReplaced("written by another node");
    }

    @Test
    void aFileOverTheBoundIsRefusedUnread() throws IOException {
        int maxPeers = 2;
        byte[] big = new byte[(int) FilePeerStore.maxFileBytes(maxPeers) + 1];
        System.arraycopy(PeerStoreFile.MAGIC, 0, big, 0, PeerStoreFile.MAGIC.length);
        Files.write(file, big);

        try (FilePeerStore store = open(local, maxPeers, LONG_DELAY)) {
            assertThat(store.peers()).isEmpty();
        }
        assertThat(warnings()).singleElement().asString().contains("too large", String.valueOf(big.length), file.toString());
    }

    @Test
    void aFileOverTheByteBoundIsRefusedUnreadThoughWithinThePeerBound() throws IOException {
        int maxPeers = 1000;
        long maxBytes = InMemoryPeerStore.MAX_ESTIMATED_PEER_BYTES * 2L;
        long limit = FilePeerStore.maxFileBytes(maxPeers, maxBytes);
        assertThat(limit).isEqualTo(PeerStoreFile.HEADER_BYTES + maxBytes + PeerStoreFile.TRAILER_BYTES)
                .isLessThan(FilePeerStore.maxFileBytes(maxPeers));
        byte[] big = new byte[(int) limit + 1];
        System.arraycopy(PeerStoreFile.MAGIC, 0, big, 0, PeerStoreFile.MAGIC.length);
        Files.write(file, big);

        try (FilePeerStore store = FilePeerStore.open(file, local, maxPeers, maxBytes, LONG_DELAY, clock)) {
            assertThat(store.peers()).isEmpty();
            assertThat(store.usage()).isEqualTo(new PeerStoreUsage(0, 0, maxPeers, maxBytes));
        }
        assertThat(warnings()).singleElement().asString().contains("too large", String.valueOf(big.length), String.valueOf(maxBytes) + " bytes");
    }

    @Test
    void aFullStoreWritesAFileWithinItsByteBoundAndReadsItBack() {
        long maxBytes = InMemoryPeerStore.MAX_ESTIMATED_PEER_BYTES * 3L;
        try (FilePeerStore store = FilePeerStore.open(file, local, 1000, maxBytes, LONG_DELAY, clock)) {
            for (int i = 0; i < 10; i++) {
                PeerId other = newPeer();
                store.connected(other);
                store.identified(PeerStoreByteBoundTest.fullRecord(other));
                store.disconnected(other);
                clock.advance(Duration.ofSeconds(1));
            }
            assertThat(store.usage().estimatedBytes()).isLessThanOrEqualTo(maxBytes);
        }
        try (FilePeerStore reopened = FilePeerStore.open(file, local, 1000, maxBytes, LONG_DELAY, clock)) {
            assertThat(file.toFile().length()).isLessThanOrEqualTo(FilePeerStore.maxFileBytes(1000, maxBytes));
            assertThat(reopened.peers()).hasSize(3);
            assertThat(reopened.usage().estimatedBytes()).isLessThanOrEqualTo(maxBytes);
        }
        assertThat(warnings()).isEmpty();
    }

    @Test
    void anUnreadableFileIsIgnoredOnce() throws IOException {
        // Tests run as root here, where permissions do not stop a read: a folder in the file's place does.
        Files.createDirectory(file);

        try (FilePeerStore store = open(local, 100, LONG_DELAY)) {
            assertThat(store.peers()).isEmpty();
        }
        assertThat(warnings()).singleElement().asString().contains("cannot be read", file.toString());
    }

    @Test
    void aFileWithMorePeersThanTheBoundKeepsTheMostRecentlySeen() {
        List<PeerId> oldestFirst = new java.util.ArrayList<>();
        try (FilePeerStore store = open(local, 10, LONG_DELAY)) {
            for (int i = 0; i < 10; i++) {
                PeerId p = newPeer();
                store.connected(p);
                store.disconnected(p);
                oldestFirst.add(p);
                clock.advance(Duration.ofSeconds(1));
            }
        }

        try (FilePeerStore smaller = open(local, 3, LONG_DELAY)) {
            assertThat(smaller.peers()).containsExactlyInAnyOrderElementsOf(oldestFirst.subList(7, 10));
        }
    }

    private void assertIgnoredThenReplaced(String reason) {
        PeerId next = newPeer();
        try (FilePeerStore store = open(local, 100, LONG_DELAY)) {
            assertThat(store.peers()).isEmpty();
            store.connected(next);
        }
        assertThat(warnings()).singleElement().asString().contains(reason, file.toString());

        try (FilePeerStore reloaded = open(local, 100, LONG_DELAY)) {
            assertThat(reloaded.peers()).containsExactly(next);
        }
        assertThat(warnings()).hasSize(1);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
