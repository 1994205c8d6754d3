package io.github.p2pboot.security.noise;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.github.p2pboot.identity.KeyFormatException;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.identity.PublicKey;
import io.github.p2pboot.security.noise.pb.NoiseProto.NoiseHandshakePayload;
import java.nio.charset.StandardCharsets;

/** The libp2p payload that binds a host's identity key to its Noise static key. */
final class HandshakePayloads {

    private static final byte[] SIGNATURE_PREFIX = "noise-libp2p-static-key:".getBytes(StandardCharsets.UTF_8);

    private HandshakePayloads() {
    }

    static byte[] signedData(byte[] noiseStaticPublicKey) {
        byte[] data = new byte[SIGNATURE_PREFIX.length + noiseStaticPublicKey.length];
        System.arraycopy(SIGNATURE_PREFIX, 0, data, 0, SIGNATURE_PREFIX.length);
        System.arraycopy(noiseStaticPublicKey, 0, data, SIGNATURE_PREFIX.length, noiseStaticPublicKey.length);
        return data;
    }

    /** Our payload; no extensions, since the muxer is negotiated with multistream-select afterwards. */
    static byte[] create(PrivateKey hostKey, byte[] noiseStaticPublicKey) {
        return NoiseHandshakePayload.newBuilder()
                .setIdentityKey(ByteString.copyFrom(hostKey.publicKey().marshal()))
                .setIdentitySig(ByteString.copyFrom(hostKey.sign(signedData(noiseStaticPublicKey))))
                .build()
                .toByteArray();
    }

    /** Checks the remote payload against the remote Noise static key and returns the peer it proves. */
    static PeerId verify(byte[] payload, byte[] remoteNoiseStaticKey) throws NoiseHandshakeException {
        NoiseHandshakePayload decoded;
        try {
            decoded = NoiseHandshakePayload.parseFrom(payload);
        } catch (InvalidProtocolBufferException e) {
            throw new NoiseHandshakeException("remote handshake payload is not a valid NoiseHandshakePayload: "
                    + e.getMessage(), e);
        }
        if (decoded.getIdentityKey().isEmpty()) {
            throw new NoiseHandshakeException("remote handshake payload has no identity key");
        }
        PublicKey key;
        try {
            key = PublicKey.unmarshal(decoded.getIdentityKey().toByteArray());
        } catch (KeyFormatException e) {
            throw new NoiseHandshakeException("remote identity key is unusable: " + e.getMessage(), e);
        }
        PeerId peer = PeerId.fromPublicKey(key);
        if (!key.verify(signedData(remoteNoiseStaticKey), decoded.getIdentitySig().toByteArray())) {
            throw new NoiseHandshakeException("bad signature: remote peer " + peer + " (" + key.type()
                    + " key) did not sign its Noise static key");
        }
        return peer;
    }
}
