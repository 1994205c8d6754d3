package io.github.p2pboot.protocol.identify;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.github.p2pboot.identity.PublicKey;
import io.github.p2pboot.swarm.PeerInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The parts of a peer's identify messages that this node uses, decoded straight from the wire
 * format with every part bounded as it is read: nothing beyond {@link PeerInfo}'s bounds is ever
 * materialised, so a 64 KiB message of 20,000 one-byte addresses costs a handful of small
 * objects, not 20,000. Fields are merged over several messages as protobuf merges them
 * (repeated fields append, the last optional value wins). Unknown fields and the signed peer
 * record, which this node does not use, are skipped unread.
 */
final class IdentifyRecord {

    private static final int PUBLIC_KEY = 1;
    private static final int LISTEN_ADDRS = 2;
    private static final int PROTOCOLS = 3;
    private static final int OBSERVED_ADDR = 4;
    private static final int PROTOCOL_VERSION = 5;
    private static final int AGENT_VERSION = 6;

    byte[] publicKey;
    final List<byte[]> listenAddresses = new ArrayList<>();
    final Set<String> protocols = new LinkedHashSet<>();
    byte[] observedAddress;
    String protocolVersion = "";
    String agentVersion = "";
    /** Listen addresses and protocols dropped for the bounds, for the debug log. */
    int dropped;

    /**
     * Merges one length-delimited identify message into the record.
     *
     * @throws IOException naming the problem if it is no valid protobuf or its public key is too large
     */
    void merge(ByteBuffer message) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(message);
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                return;
            }
            if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                in.skipField(tag);
                continue;
            }
            // A length past the message's end makes readRawBytes / skipRawBytes throw: truncated.
            int length = in.readRawVarint32();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case PUBLIC_KEY -> {
                    if (length > PublicKey.MAX_PROTOBUF_BYTES) {
                        throw new IOException("identify public key has " + length + " bytes; at most "
                                + PublicKey.MAX_PROTOBUF_BYTES + " allowed");
                    }
                    publicKey = in.readRawBytes(length);
                }
                case LISTEN_ADDRS -> {
                    if (listenAddresses.size() < PeerInfo.MAX_LISTEN_ADDRESSES && length <= PeerInfo.MAX_ADDRESS_BYTES) {
                        listenAddresses.add(in.readRawBytes(length));
                    } else {
                        dropped++;
                        in.skipRawBytes(length);
                    }
                }
                case PROTOCOLS -> {
                    if (protocols.size() < PeerInfo.MAX_PROTOCOLS && length >= 1 && length <= PeerInfo.MAX_PROTOCOL_ID_LENGTH) {
                        // Printable ASCII is checked by PeerInfo; ISO-8859-1 maps each byte to one char.
                        protocols.add(new String(in.readRawBytes(length), StandardCharsets.ISO_8859_1));
                    } else {
                        dropped++;
                        in.skipRawBytes(length);
                    }
                }
                case OBSERVED_ADDR -> {
                    if (length <= PeerInfo.MAX_ADDRESS_BYTES) {
                        observedAddress = in.readRawBytes(length);
                    } else {
                        observedAddress = null;
                        in.skipRawBytes(length);
                    }
                }
                case PROTOCOL_VERSION -> protocolVersion = readPrefix(in, length);
                case AGENT_VERSION -> agentVersion = readPrefix(in, length);
                default -> in.skipRawBytes(length);
            }
        }
    }

    /** The first {@link PeerInfo#MAX_VERSION_LENGTH} bytes of a string field; PeerInfo makes them printable. */
    private static String readPrefix(CodedInputStream in, int length) throws IOException {
        int kept = Math.min(length, PeerInfo.MAX_VERSION_LENGTH);
        String prefix = new String(in.readRawBytes(kept), StandardCharsets.ISO_8859_1);
        in.skipRawBytes(length - kept);
        return prefix;
    }
}
