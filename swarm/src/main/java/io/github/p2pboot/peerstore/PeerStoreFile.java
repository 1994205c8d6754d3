package io.github.p2pboot.peerstore;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The peer store's file format, version 1. Big-endian:
 *
 * <pre>
 * magic    8 bytes  "P2PBPEER"
 * version  u8       1
 * owner    16 bytes the first 16 bytes of SHA-256("p2pboot peer store owner" || local peer id bytes)
 * count    u32      peers that follow
 * peer     count times:
 *   id             u8 length, multihash bytes
 *   lastSeen       i64 epoch ms
 *   lastConnected  i64 epoch ms, 0 for never
 *   flags          u8, bit 0: identified
 *   agentVersion   u8 length, printable ASCII
 *   protocolVer.   u8 length, printable ASCII
 *   protocols      u8 count, each u8 length and printable ASCII
 *   addresses      u8 count, each u8 source (AddressSource ordinal), i64 epoch ms, u8 length, binary multiaddr;
 *                  within a source the oldest first
 * crc32    u32      of every byte before it
 * </pre>
 *
 * The owner field names the node the file belongs to by a digest, so that the file never holds the
 * node's own peer id yet a file copied from another node is recognised. Decoding checks every
 * length and count against the store's bounds and throws {@link Invalid} naming the first problem.
 */
final class PeerStoreFile {

    static final byte[] MAGIC = "P2PBPEER".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int OWNER_BYTES = 16;
    static final int HEADER_BYTES = MAGIC.length + 1 + OWNER_BYTES + 4;
    static final int TRAILER_BYTES = 4;
    private static final int MAX_PEER_ID_BYTES = 44;
    /** Lengths, times, flags and counts, with every string and list empty. */
    private static final int MIN_ENCODED_PEER_BYTES = 1 + 8 + 8 + 1 + 1 + 1 + 1 + 1;
    /** The most bytes one peer's record can take; 20,146 with today's bounds. */
    static final int MAX_ENCODED_PEER_BYTES = 1 + MAX_PEER_ID_BYTES + 8 + 8 + 1
            + 2 * (1 + InMemoryPeerStore.MAX_AGENT_LENGTH)
            + 1 + InMemoryPeerStore.MAX_PROTOCOLS * (1 + InMemoryPeerStore.MAX_PROTOCOL_ID_LENGTH)
            + 1 + AddressSource.values().length * InMemoryPeerStore.MAX_ADDRESSES_PER_SOURCE
                    * (1 + 8 + 1 + InMemoryPeerStore.MAX_ADDRESS_BYTES);

    private PeerStoreFile() {
    }

    /** A file that is not a valid peer store file of this node, with the reason. */
    static final class Invalid extends Exception {
        Invalid(String reason) {
            super(reason);
        }
    }

    /** The largest file a store of {@code maxPeers} peers writes, and so the largest it reads. */
    static long maxFileBytes(int maxPeers) {
        return HEADER_BYTES + (long) maxPeers * MAX_ENCODED_PEER_BYTES + TRAILER_BYTES;
    }

    /**
     * The largest file a store bounded by {@code maxPeers} and {@code maxBytes} writes: a record
     * never encodes to more bytes than its entry's heap estimate, so the records together are at
     * most {@code maxBytes}.
     */
    static long maxFileBytes(int maxPeers, long maxBytes) {
        return Math.min(maxFileBytes(maxPeers), HEADER_BYTES + maxBytes + TRAILER_BYTES);
    }

    static byte[] owner(PeerId localPeer) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update("p2pboot peer store owner".getBytes(StandardCharsets.US_ASCII));
            return Arrays.copyOf(sha256.digest(localPeer.toBytes()), OWNER_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static byte[] encode(byte[] owner, List<PeerEntry> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(HEADER_BYTES + entries.size() * 512);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeByte(VERSION);
            out.write(owner);
            out.writeInt(entries.size());
            for (PeerEntry entry : entries) {
                writeBytes(out, entry.peer.toBytes());
                out.writeLong(entry.lastSeen);
                out.writeLong(entry.lastConnected);
                out.writeByte(entry.identified ? 1 : 0);
                writeAscii(out, entry.agentVersion);
                writeAscii(out, entry.protocolVersion);
                out.writeByte(entry.protocols.size());
                for (String protocol : entry.protocols) {
                    writeAscii(out, protocol);
                }
                int count = entry.addresses.values().stream().mapToInt(LinkedHashMap::size).sum();
                out.writeByte(count);
                for (AddressSource source : AddressSource.values()) {
                    for (var address : entry.addresses.get(source).entrySet()) {
                        out.writeByte(source.ordinal());
                        out.writeLong(address.getValue());
                        writeBytes(out, address.getKey().toBytes());
                    }
                }
            }
            CRC32 crc = new CRC32();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen: writing to memory", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a whole file.
     *
     * @throws Invalid if it is truncated, corrupt, of another format or version, or of another node
     */
    static List<PeerEntry> decode(byte[] file, byte[] owner) throws Invalid {
        if (file.length < MAGIC.length || !Arrays.equals(file, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new Invalid(file.length < MAGIC.length && Arrays.equals(file, 0, file.length, MAGIC, 0, file.length)
                    ? "truncated: " + file.length + " bytes, shorter than its header"
                    : "not a p2pboot peer store file (no P2PBPEER header)");
        }
        if (file.length < HEADER_BYTES + TRAILER_BYTES) {
            throw new Invalid("truncated: " + file.length + " bytes, shorter than header and checksum");
        }
        int version = file[MAGIC.length] & 0xff;
        if (version != VERSION) {
            throw new Invalid("unsupported format version " + version + " (this node reads version " + VERSION + ")");
        }
        CRC32 crc = new CRC32();
        crc.update(file, 0, file.length - TRAILER_BYTES);
        int stored = ByteBuffer.wrap(file, file.length - TRAILER_BYTES, TRAILER_BYTES).getInt();
        if ((int) crc.getValue() != stored) {
            throw new Invalid("corrupt or truncated: checksum mismatch over " + file.length + " bytes");
        }
        if (!Arrays.equals(file, MAGIC.length + 1, MAGIC.length + 1 + OWNER_BYTES, owner, 0, OWNER_BYTES)) {
            throw new Invalid("written by another node (another identity)");
        }
        ByteBuffer in = ByteBuffer.wrap(file, MAGIC.length + 1 + OWNER_BYTES, file.length - TRAILER_BYTES - MAGIC.length - 1 - OWNER_BYTES);
        try {
            long count = in.getInt() & 0xffffffffL;
            if (count * MIN_ENCODED_PEER_BYTES > in.remaining()) {
                throw new Invalid("corrupt: declares " + count + " peers in " + in.remaining() + " bytes");
            }
            List<PeerEntry> entries = new ArrayList<>((int) count);
            for (long i = 0; i < count; i++) {
                entries.add(readPeer(in, i));
            }
            if (in.hasRemaining()) {
                throw new Invalid("corrupt: " + in.remaining() + " bytes after the last peer");
            }
            return entries;
        } catch (BufferUnderflowException e) {
            throw new Invalid("corrupt: a record runs past the end of the file");
        }
    }

    private static PeerEntry readPeer(ByteBuffer in, long index) throws Invalid {
        String where = "peer #" + index;
        PeerId peer;
        try {
            peer = PeerId.fromBytes(readBytes(in, MAX_PEER_ID_BYTES, where + " id"));
        } catch (IllegalArgumentException e) {
            throw new Invalid("corrupt: " + where + " has an invalid peer id: " + e.getMessage());
        }
        PeerEntry entry = new PeerEntry(peer, index);
        entry.lastSeen = in.getLong();
        entry.lastConnected = in.getLong();
        if (entry.lastSeen <= 0 || entry.lastConnected < 0) {
            throw new Invalid("corrupt: " + where + " has impossible times " + entry.lastSeen + "/" + entry.lastConnected);
        }
        entry.identified = (in.get() & 1) != 0;
        entry.agentVersion = readAscii(in, InMemoryPeerStore.MAX_AGENT_LENGTH, where + " agent version");
        entry.protocolVersion = readAscii(in, InMemoryPeerStore.MAX_AGENT_LENGTH, where + " protocol version");
        int protocols = in.get() & 0xff;
        if (protocols > InMemoryPeerStore.MAX_PROTOCOLS) {
            throw new Invalid("corrupt: " + where + " lists " + protocols + " protocols, over " + InMemoryPeerStore.MAX_PROTOCOLS);
        }
        for (int p = 0; p < protocols; p++) {
            String protocol = readAscii(in, InMemoryPeerStore.MAX_PROTOCOL_ID_LENGTH, where + " protocol");
            if (protocol.isEmpty()) {
                throw new Invalid("corrupt: " + where + " has an empty protocol id");
            }
            entry.protocols.add(protocol);
        }
        int addresses = in.get() & 0xff;
        int maxAddresses = AddressSource.values().length * InMemoryPeerStore.MAX_ADDRESSES_PER_SOURCE;
        if (addresses > maxAddresses) {
            throw new Invalid("corrupt: " + where + " lists " + addresses + " addresses, over " + maxAddresses);
        }
        for (int a = 0; a < addresses; a++) {
            int source = in.get() & 0xff;
            if (source >= AddressSource.values().length) {
                throw new Invalid("corrupt: " + where + " has an address of unknown source " + source);
            }
            long millis = in.getLong();
            Multiaddr address;
            try {
                address = Multiaddr.fromBytes(readBytes(in, InMemoryPeerStore.MAX_ADDRESS_BYTES, where + " address"));
            } catch (IllegalArgumentException e) {
                throw new Invalid("corrupt: " + where + " has an invalid address: " + e.getMessage());
            }
            entry.addresses.get(AddressSource.values()[source]).put(address, millis);
        }
        return entry;
    }

    private static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
        out.writeByte(value.length);
        out.write(value);
    }

    private static void writeAscii(DataOutputStream out, String value) throws IOException {
        writeBytes(out, value.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] readBytes(ByteBuffer in, int max, String what) throws Invalid {
        int length = in.get() & 0xff;
        if (length > max) {
            throw new Invalid("corrupt: " + what + " of " + length + " bytes, over " + max);
        }
        byte[] value = new byte[length];
        in.get(value);
        return value;
    }

    private static String readAscii(ByteBuffer in, int max, String what) throws Invalid {
        String value = new String(readBytes(in, max, what), StandardCharsets.US_ASCII);
        if (!InMemoryPeerStore.isPrintableAscii(value)) {
            throw new Invalid("corrupt: " + what + " is not printable ASCII");
        }
        return value;
    }
}
