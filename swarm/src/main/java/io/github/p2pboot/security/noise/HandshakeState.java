package io.github.p2pboot.security.noise;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;

/**
 * Noise_XX_25519_ChaChaPoly_SHA256 with an empty prologue:
 * {@code -> e}, {@code <- e, ee, s, es}, {@code -> s, se}. Works on whole messages (without the
 * 2-byte length prefix); the libp2p payload is opaque here. Not thread-safe.
 */
final class HandshakeState {

    static final String PROTOCOL_NAME = "Noise_XX_25519_ChaChaPoly_SHA256";
    /** Noise's own limit on a message, which the 2-byte length prefix also imposes. */
    static final int MAX_MESSAGE_LENGTH = 65535;

    private static final int DH_LEN = X25519.KEY_LENGTH;
    private static final int TAG_LEN = CipherState.TAG_LENGTH;

    private final boolean initiator;
    private final SymmetricState symmetric = new SymmetricState(PROTOCOL_NAME);
    private final KeyPair s;
    private KeyPair e;
    private byte[] re;
    private byte[] rs;
    /** Messages processed so far, 0 to 3. */
    private int message;

    HandshakeState(boolean initiator, KeyPair staticKey) {
        this(initiator, staticKey, null, new byte[0]);
    }

    /** The ephemeral key (null for a fresh one) and the prologue are fixed only by test vectors; libp2p's prologue is empty. */
    HandshakeState(boolean initiator, KeyPair staticKey, KeyPair ephemeral, byte[] prologue) {
        this.initiator = initiator;
        this.s = staticKey;
        this.e = ephemeral;
        symmetric.mixHash(prologue);
    }

    boolean isInitiator() {
        return initiator;
    }

    /** 1-based number of the next message, 4 when done. */
    int nextMessage() {
        return message + 1;
    }

    boolean isComplete() {
        return message == 3;
    }

    /** Whether the next message is ours to write. */
    boolean isMyTurn() {
        return !isComplete() && ((message % 2 == 0) == initiator);
    }

    byte[] localStaticPublicKey() {
        return X25519.rawPublic(s.getPublic());
    }

    /** The remote static key, known after message 2 (initiator) or 3 (responder). */
    byte[] remoteStaticPublicKey() {
        return rs == null ? null : rs.clone();
    }

    byte[] handshakeHash() {
        return symmetric.handshakeHash();
    }

    byte[] writeMessage(byte[] payload) throws NoiseHandshakeException {
        if (!isMyTurn()) {
            throw new IllegalStateException("not our turn to write handshake message " + nextMessage());
        }
        try {
            byte[] out;
            switch (message) {
                case 0 -> {
                    if (e == null) {
                        e = X25519.generateKeyPair();
                    }
                    byte[] ePub = X25519.rawPublic(e.getPublic());
                    symmetric.mixHash(ePub);
                    out = concat(ePub, symmetric.encryptAndHash(payload));
                }
                case 1 -> {
                    if (e == null) {
                        e = X25519.generateKeyPair();
                    }
                    byte[] ePub = X25519.rawPublic(e.getPublic());
                    symmetric.mixHash(ePub);
                    symmetric.mixKey(X25519.dh(e.getPrivate(), re));
                    byte[] encryptedS = symmetric.encryptAndHash(localStaticPublicKey());
                    symmetric.mixKey(X25519.dh(s.getPrivate(), re));
                    out = concat(ePub, encryptedS, symmetric.encryptAndHash(payload));
                }
                default -> {
                    byte[] encryptedS = symmetric.encryptAndHash(localStaticPublicKey());
                    symmetric.mixKey(X25519.dh(s.getPrivate(), re));
                    out = concat(encryptedS, symmetric.encryptAndHash(payload));
                }
            }
            if (out.length > MAX_MESSAGE_LENGTH) {
                throw new NoiseHandshakeException("handshake message " + nextMessage() + " would be " + out.length
                        + " bytes, over the Noise limit of " + MAX_MESSAGE_LENGTH);
            }
            message++;
            return out;
        } catch (GeneralSecurityException ex) {
            throw new NoiseHandshakeException("writing handshake message " + nextMessage() + " failed: " + ex, ex);
        }
    }

    /** Processes a remote message and returns its decrypted payload. */
    byte[] readMessage(byte[] in) throws NoiseHandshakeException {
        if (isComplete() || isMyTurn()) {
            throw new NoiseHandshakeException("unexpected handshake message " + nextMessage() + ": it is ours to send");
        }
        int number = nextMessage();
        int minimum = switch (message) {
            case 0 -> DH_LEN;
            case 1 -> DH_LEN + DH_LEN + TAG_LEN + TAG_LEN;
            default -> DH_LEN + TAG_LEN + TAG_LEN;
        };
        if (in.length < minimum) {
            throw new NoiseHandshakeException("handshake message " + number + " is truncated: " + in.length
                    + " bytes, at least " + minimum + " expected");
        }
        String step = "";
        try {
            byte[] payload;
            switch (message) {
                case 0 -> {
                    re = Arrays.copyOfRange(in, 0, DH_LEN);
                    symmetric.mixHash(re);
                    step = "payload";
                    payload = symmetric.decryptAndHash(Arrays.copyOfRange(in, DH_LEN, in.length));
                }
                case 1 -> {
                    re = Arrays.copyOfRange(in, 0, DH_LEN);
                    symmetric.mixHash(re);
                    step = "ee";
                    symmetric.mixKey(X25519.dh(e.getPrivate(), re));
                    step = "remote static key";
                    rs = symmetric.decryptAndHash(Arrays.copyOfRange(in, DH_LEN, DH_LEN + DH_LEN + TAG_LEN));
                    step = "es";
                    symmetric.mixKey(X25519.dh(e.getPrivate(), rs));
                    step = "payload";
                    payload = symmetric.decryptAndHash(Arrays.copyOfRange(in, DH_LEN + DH_LEN + TAG_LEN, in.length));
                }
                default -> {
                    step = "remote static key";
                    rs = symmetric.decryptAndHash(Arrays.copyOfRange(in, 0, DH_LEN + TAG_LEN));
                    step = "se";
                    symmetric.mixKey(X25519.dh(e.getPrivate(), rs));
                    step = "payload";
                    payload = symmetric.decryptAndHash(Arrays.copyOfRange(in, DH_LEN + TAG_LEN, in.length));
                }
            }
            message++;
            return payload;
        } catch (AEADBadTagException ex) {
            throw new NoiseHandshakeException("handshake message " + number + ": decryption of the " + step
                    + " failed (bad authentication tag)", ex);
        } catch (GeneralSecurityException | IllegalArgumentException ex) {
            throw new NoiseHandshakeException("handshake message " + number + ": " + step + " failed: " + ex, ex);
        }
    }

    /** The transport ciphers as {send, receive}; only once the handshake is complete. */
    CipherState[] split() {
        if (!isComplete()) {
            throw new IllegalStateException("handshake not complete");
        }
        CipherState[] pair = symmetric.split();
        return initiator ? pair : new CipherState[] {pair[1], pair[0]};
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }
}
