package io.github.p2pboot.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/**
 * The node's host key in a file, so that its peer id survives restarts. The file holds the
 * libp2p protobuf private key; it is created with a fresh Ed25519 key and owner-only permissions
 * when missing. While open, a lock on {@code <file>.lock} keeps a second node from running with
 * the same identity.
 */
public final class KeyFile implements AutoCloseable {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path path;
    private final PrivateKey privateKey;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private KeyFile(Path path, PrivateKey privateKey, FileChannel lockChannel, FileLock lock) {
        this.path = path;
        this.privateKey = privateKey;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Opens the key file, creating it if missing, and locks it.
     *
     * @throws KeyFileInUseException if another running node has it open
     * @throws IllegalStateException if group or others may read it (names the fix)
     * @throws KeyFormatException if it does not hold a valid key (names the path, not the content)
     * @throws UncheckedIOException if it cannot be read or created
     */
    public static KeyFile open(Path path) {
        Path file = path.toAbsolutePath();
        FileChannel lockChannel = null;
        try {
            Files.createDirectories(file.getParent());
            Path lockPath = file.resolveSibling(file.getFileName() + ".lock");
            lockChannel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new KeyFileInUseException(file);
            }
            PrivateKey key = Files.exists(file) ? load(file) : create(file);
            return new KeyFile(file, key, lockChannel, lock);
        } catch (IOException e) {
            closeQuietly(lockChannel);
            throw new UncheckedIOException("cannot open key file " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(lockChannel);
            throw e;
        }
    }

    private static PrivateKey load(Path file) throws IOException {
        if (isPosix(file)) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(p -> !OWNER_ONLY.contains(p) && p != PosixFilePermission.OWNER_EXECUTE)) {
                throw new IllegalStateException("key file " + file + " is accessible by group or others ("
                        + PosixFilePermissions.toString(permissions) + "); restrict it with: chmod 600 " + file);
            }
        }
        byte[] bytes = Files.readAllBytes(file);
        try {
            return PrivateKey.unmarshal(bytes);
        } catch (KeyFormatException e) {
            throw new KeyFormatException("key file " + file + " does not hold a valid libp2p private key: " + e.getMessage(), e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private static PrivateKey create(Path file) throws IOException {
        PrivateKey key = PrivateKey.generateEd25519();
        byte[] bytes = key.marshal();
        try {
            FileAttribute<?>[] attributes = isPosix(file.getParent())
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                    : new FileAttribute<?>[0];
            // Created with its final permissions, so the key is never readable by others, not even briefly.
            Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp", attributes);
            Files.write(temp, bytes);
            try {
                Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                Files.deleteIfExists(temp);
                return load(file);
            }
            return key;
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private static boolean isPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing more to release.
            }
        }
    }

    public Path path() {
        return path;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** Releases the lock; the key stays in the file. */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // The channel close below releases it as well.
        }
        closeQuietly(lockChannel);
    }

    @Override
    public String toString() {
        return "KeyFile[" + path + ", peer " + privateKey.peerId() + "]";
    }
}
