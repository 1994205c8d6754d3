package io.github.p2pboot.peerstore;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.PeerInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PeerStore} kept in a file, so that a restarted node remembers the peers it met.
 *
 * <p>{@link #open} loads the file; a file that is missing starts an empty store. A file that is
 * truncated, corrupt, larger than {@link #maxFileBytes(int, long)}, unreadable, of another format or
 * version, or written by another node (another identity) is logged once at WARN with the reason
 * and ignored: the node starts with an empty store, and the next write replaces the file.
 *
 * <p>Changes are written at most once per {@code writeDelay} (two seconds by default), coalesced,
 * on a daemon thread of the store's own, and at {@link #close()}. Every write goes to a temporary
 * file with owner-only permissions in the same folder, is forced to disk and moved over the old
 * file atomically, so a crash leaves the old file or the new one, never half of one.
 *
 * <p>The file holds only other peers' public data: peers we have met (connected to or identified),
 * with their addresses, sources, protocols, agent and times. Peers known only from third parties
 * are kept in memory only. The local node appears only as a 16-byte digest of its peer id, never
 * as an entry, and no key material is written. Bounds and their worst case in bytes are those of
 * {@link InMemoryPeerStore}; the file is at most {@link #maxFileBytes(int, long)}, so
 * a file is refused unread if it is larger than the store's bounds could have written.
 */
public final class FilePeerStore implements PeerStore {

    private static final Logger log = LoggerFactory.getLogger(FilePeerStore.class);

    public static final Duration DEFAULT_WRITE_DELAY = Duration.ofSeconds(2);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    private static final FileAttribute<?> OWNER_ONLY = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final Path file;
    private final byte[] owner;
    private final InMemoryPeerStore memory;
    private final Duration writeDelay;
    private final ScheduledThreadPoolExecutor writer;
    private final AtomicBoolean writeScheduled = new AtomicBoolean();
    /** Changed since the last write began. */
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final Object writeLock = new Object();
    private volatile boolean closed;
    /** Whether the last write failed, so that repeated failures are logged once, not every few seconds. */
    private boolean failing;

    private FilePeerStore(Path file, PeerId localPeer, int maxPeers, long maxBytes, Duration writeDelay, Clock clock) {
        this.file = file;
        this.owner = PeerStoreFile.owner(localPeer);
        this.memory = new InMemoryPeerStore(localPeer, maxPeers, maxBytes, clock, this::changed);
        this.writeDelay = writeDelay;
        this.writer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "p2pboot-peer-store-writer");
            thread.setDaemon(true);
            return thread;
        });
        writer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Opens the store in {@code file} for the node {@code localPeer}, with the default bounds and write delay. */
    public static FilePeerStore open(Path file, PeerId localPeer) {
        return open(file, localPeer, InMemoryPeerStore.DEFAULT_MAX_PEERS, DEFAULT_WRITE_DELAY);
    }

    /**
     * Opens the store in {@code file}, loading what it holds (see the class comment for a file that
     * cannot be used). Never fails for the file's sake; its folder is created at the first write.
     *
     * @param localPeer this node: the file must be its own, and it is never stored
     * @param maxPeers how many peers to remember at most, at least 1
     * @param writeDelay how long changes may wait before they are written, positive
     */
    public static FilePeerStore open(Path file, PeerId localPeer, int maxPeers, Duration writeDelay) {
        return open(file, localPeer, maxPeers, InMemoryPeerStore.DEFAULT_MAX_BYTES, writeDelay);
    }

    /**
     * Opens the store in {@code file} bounded in bytes too: see {@link InMemoryPeerStore}.
     *
     * @param maxBytes how many estimated bytes the peers may take, at least
     *     {@link InMemoryPeerStore#MAX_ESTIMATED_PEER_BYTES}; it bounds the file as well
     */
    public static FilePeerStore open(Path file, PeerId localPeer, int maxPeers, long maxBytes, Duration writeDelay) {
        return open(file, localPeer, maxPeers, maxBytes, writeDelay, Clock.systemUTC());
    }

    static FilePeerStore open(Path file, PeerId localPeer, int maxPeers, Duration writeDelay, Clock clock) {
        return open(file, localPeer, maxPeers, InMemoryPeerStore.DEFAULT_MAX_BYTES, writeDelay, clock);
    }

    static FilePeerStore open(Path file, PeerId localPeer, int maxPeers, long maxBytes, Duration writeDelay, Clock clock) {
        if (writeDelay.isNegative() || writeDelay.isZero()) {
            throw new IllegalArgumentException("writeDelay must be positive, got " + writeDelay);
        }
        FilePeerStore store = new FilePeerStore(file.toAbsolutePath(), localPeer, maxPeers, maxBytes, writeDelay, clock);
        store.load();
        return store;
    }

    /** The largest file a store of {@code maxPeers} peers writes and reads: header, records at their bound, checksum. */
    public static long maxFileBytes(int maxPeers) {
        return PeerStoreFile.maxFileBytes(maxPeers);
    }

    /** The largest file a store of {@code maxPeers} peers and {@code maxBytes} estimated bytes writes and reads. */
    public static long maxFileBytes(int maxPeers, long maxBytes) {
        return PeerStoreFile.maxFileBytes(maxPeers, maxBytes);
    }

    public Path path() {
        return file;
    }

    private void load() {
        List<PeerEntry> entries;
        try {
            entries = PeerStoreFile.decode(read(), owner);
        } catch (NoSuchFileException e) {
            log.debug("No peer store file at {}; starting with an empty store", file);
            return;
        } catch (IOException e) {
            ignore("cannot be read: " + e);
            return;
        } catch (PeerStoreFile.Invalid e) {
            ignore(e.getMessage());
            return;
        }
        entries.forEach(memory::restore);
        log.debug("Loaded {} peers from {}", memory.peers().size(), file);
    }

    private byte[] read() throws IOException, PeerStoreFile.Invalid {
        long limit = maxFileBytes(memory.maxPeers(), memory.maxBytes());
        long size = Files.size(file);
        if (size > limit) {
            throw new PeerStoreFile.Invalid("too large: " + size + " bytes, over the bound of " + limit + " for max "
                    + memory.maxPeers() + " peers and " + memory.maxBytes() + " bytes");
        }
        try (InputStream in = Files.newInputStream(file)) {
            // Read at most one byte past the bound, in case the file grew since its size was taken.
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) {
                throw new PeerStoreFile.Invalid("too large: over the bound of " + limit + " bytes");
            }
            return bytes;
        }
    }

    private void ignore(String reason) {
        log.warn("Ignoring peer store file {}: {}. Starting with an empty peer store; the next write replaces the file.", file, reason);
    }

    private void changed() {
        dirty.set(true);
        if (!closed && writeScheduled.compareAndSet(false, true)) {
            try {
                writer.schedule(this::scheduledWrite, writeDelay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // Closing: close() writes the last state itself.
                writeScheduled.set(false);
            }
        }
    }

    private void scheduledWrite() {
        writeScheduled.set(false);
        if (dirty.get()) {
            write();
        }
    }

    /** Writes the store to its file now, changed or not. */
    public void flush() {
        write();
    }

    private void write() {
        synchronized (writeLock) {
            dirty.set(false);
            byte[] bytes;
            synchronized (memory) {
                bytes = PeerStoreFile.encode(owner, memory.seenEntries());
            }
            Path temp = null;
            try {
                Path folder = file.getParent();
                Files.createDirectories(folder);
                boolean posix = folder.getFileSystem().supportedFileAttributeViews().contains("posix");
                temp = posix ? Files.createTempFile(folder, file.getFileName().toString(), ".tmp", OWNER_ONLY)
                        : Files.createTempFile(folder, file.getFileName().toString(), ".tmp");
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                    channel.force(true);
                }
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                temp = null;
                if (failing) {
                    log.info("Peer store file {} written again", file);
                    failing = false;
                }
                log.debug("Wrote {} bytes to {}", bytes.length, file);
            } catch (IOException | RuntimeException e) {
                if (!failing) {
                    dirty.set(true);
                    log.warn("Cannot write peer store file {}: {}; will retry at the next change", file, e.toString());
                    failing = true;
                } else {
                    dirty.set(true);
                    log.debug("Cannot write peer store file {}: {}", file, e.toString());
                }
            } finally {
                if (temp != null) {
                    try {
                        Files.deleteIfExists(temp);
                    } catch (IOException ignored) {
                        // A stray temp file is harmless; the next write makes a new one.
                    }
                }
            }
        }
    }

    /**
     * Stops the writer, waiting at most five seconds for a write under way, and writes the last
     * changes, if any. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        writer.shutdown();
        try {
            if (!writer.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Peer store writer did not finish within {}; writing {} anyway", CLOSE_WAIT, file);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (dirty.get()) {
            write();
        }
    }

    @Override
    public void addAddresses(PeerId peer, AddressSource source, Collection<Multiaddr> addresses) {
        memory.addAddresses(peer, source, addresses);
    }

    @Override
    public void identified(PeerInfo info) {
        memory.identified(info);
    }

    @Override
    public void connected(PeerId peer) {
        memory.connected(peer);
    }

    @Override
    public void disconnected(PeerId peer) {
        memory.disconnected(peer);
    }

    @Override
    public List<Multiaddr> dialAddresses(PeerId peer) {
        return memory.dialAddresses(peer);
    }

    @Override
    public List<KnownAddress> addresses(PeerId peer) {
        return memory.addresses(peer);
    }

    @Override
    public Optional<PeerInfo> info(PeerId peer) {
        return memory.info(peer);
    }

    @Override
    public Set<String> protocols(PeerId peer) {
        return memory.protocols(peer);
    }

    @Override
    public Optional<Instant> lastSeen(PeerId peer) {
        return memory.lastSeen(peer);
    }

    @Override
    public List<PeerId> recentlyConnected(int limit) {
        return memory.recentlyConnected(limit);
    }

    @Override
    public Set<PeerId> peers() {
        return memory.peers();
    }

    @Override
    public PeerStoreUsage usage() {
        return memory.usage();
    }

    @Override
    public String toString() {
        return "FilePeerStore[" + file + ", " + memory.peers().size() + " peers]";
    }
}
