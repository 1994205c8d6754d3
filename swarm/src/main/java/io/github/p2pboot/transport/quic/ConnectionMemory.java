package io.github.p2pboot.transport.quic;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's open inbound connections, kept in a small file so that a node restarted after a
 * crash can end its peers' stale connections at once with stateless resets
 * ({@link QuicTransport#resetRemembered}), rather than when each peer next sends a packet.
 *
 * <p>One line per connection: the peer's IP address, its UDP port and our connection id in hex.
 * Nothing in it is secret: both crossed the wire in the clear, and the reset token is derived
 * from the id with a key that never leaves the process. Bounded: at most {@value #MAX_ENTRIES}
 * lines are written or read; a larger, unreadable or malformed file is logged once and ignored.
 * Written at most once a {@link #WRITE_DELAY_MILLIS} ms after a change, atomically.
 */
final class ConnectionMemory {

    static final int MAX_ENTRIES = 4096;
    static final long WRITE_DELAY_MILLIS = 1000;
    private static final long MAX_FILE_BYTES = MAX_ENTRIES * 128L;
    private static final Logger log = LoggerFactory.getLogger(ConnectionMemory.class);

    private final Path file;

    ConnectionMemory(Path file) {
        this.file = file;
    }

    /** What the last run left; empty if nothing, or if the file is not ours to read. */
    List<QuicTransport.RememberedConnection> load() {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<QuicTransport.RememberedConnection> remembered = new ArrayList<>();
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                log.warn("Ignoring QUIC connection memory {}: larger than {} bytes", file, MAX_FILE_BYTES);
                return List.of();
            }
            int malformed = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                if (remembered.size() >= MAX_ENTRIES) {
                    break;
                }
                QuicTransport.RememberedConnection entry = parse(line);
                if (entry == null) {
                    malformed++;
                } else {
                    remembered.add(entry);
                }
            }
            if (malformed > 0) {
                log.warn("Ignored {} malformed line(s) of QUIC connection memory {}", malformed, file);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Ignoring QUIC connection memory {}: {}", file, e.toString());
            return List.of();
        }
        return remembered;
    }

    private static QuicTransport.RememberedConnection parse(String line) {
        String[] parts = line.trim().split(" ");
        if (parts.length != 3) {
            return null;
        }
        try {
            // A literal address only: never a name to look up.
            if (!parts[0].matches("[0-9a-fA-F.:]+")) {
                return null;
            }
            InetAddress address = InetAddress.getByName(parts[0]);
            int port = Integer.parseInt(parts[1]);
            byte[] id = HexFormat.of().parseHex(parts[2]);
            if (port < 1 || port > 65_535 || id.length == 0 || id.length > 20) {
                return null;
            }
            return new QuicTransport.RememberedConnection(new InetSocketAddress(address, port), id);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Replaces the file with {@code connections}; a failure is logged at DEBUG (the file is a hint). */
    void write(Supplier<List<QuicTransport.RememberedConnection>> connections) {
        StringBuilder text = new StringBuilder();
        int written = 0;
        for (QuicTransport.RememberedConnection connection : connections.get()) {
            if (written++ >= MAX_ENTRIES) {
                break;
            }
            text.append(connection.peer().getAddress().getHostAddress()).append(' ')
                    .append(connection.peer().getPort()).append(' ')
                    .append(HexFormat.of().formatHex(connection.connectionId())).append('\n');
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(temp, text, StandardCharsets.US_ASCII);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            log.debug("Could not write QUIC connection memory {}: {}", file, e.toString());
        }
    }

    /** After a clean stop the peers were told: nothing to reset next time. */
    void forget() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.debug("Could not delete QUIC connection memory {}: {}", file, e.toString());
        }
    }
}
