package io.github.p2pboot.security.noise;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** Noise CipherState with ChaChaPoly: a key and a 64-bit nonce counter. Not thread-safe. */
final class CipherState {

    static final int TAG_LENGTH = 16;

    private SecretKeySpec key;
    private long nonce;
    private final Cipher cipher;

    CipherState() {
        try {
            cipher = Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK offers no ChaCha20-Poly1305", e);
        }
    }

    CipherState(byte[] key) {
        this();
        initializeKey(key);
    }

    void initializeKey(byte[] k) {
        key = new SecretKeySpec(k, "ChaCha20");
        nonce = 0;
    }

    boolean hasKey() {
        return key != null;
    }

    long nonce() {
        return nonce;
    }

    /** Without a key the plaintext passes as is, as Noise prescribes before the first DH. */
    byte[] encryptWithAd(byte[] ad, byte[] plaintext) throws GeneralSecurityException {
        return encryptWithAd(ad, plaintext, 0, plaintext.length);
    }

    byte[] encryptWithAd(byte[] ad, byte[] plaintext, int offset, int length) throws GeneralSecurityException {
        if (key == null) {
            return Arrays.copyOfRange(plaintext, offset, offset + length);
        }
        cipher.init(Cipher.ENCRYPT_MODE, key, nextIv());
        if (ad.length > 0) {
            cipher.updateAAD(ad);
        }
        return cipher.doFinal(plaintext, offset, length);
    }

    byte[] decryptWithAd(byte[] ad, byte[] ciphertext) throws GeneralSecurityException {
        return decryptWithAd(ad, ciphertext, 0, ciphertext.length);
    }

    byte[] decryptWithAd(byte[] ad, byte[] ciphertext, int offset, int length) throws GeneralSecurityException {
        if (key == null) {
            return Arrays.copyOfRange(ciphertext, offset, offset + length);
        }
        // The nonce advances only on success, as Noise requires; the callers give up after a failure anyway.
        cipher.init(Cipher.DECRYPT_MODE, key, ivFor(nonce));
        if (ad.length > 0) {
            cipher.updateAAD(ad);
        }
        byte[] plaintext = cipher.doFinal(ciphertext, offset, length);
        nonce++;
        return plaintext;
    }

    /**
     * The transport phase's encryption, array to array without allocating: encrypts
     * {@code length} bytes of {@code plaintext} from {@code offset} (no associated data) into
     * {@code out} at {@code outOffset}, which must have room for {@code length + TAG_LENGTH}
     * bytes; returns the bytes written. Requires a key.
     */
    int encrypt(byte[] plaintext, int offset, int length, byte[] out, int outOffset) throws GeneralSecurityException {
        cipher.init(Cipher.ENCRYPT_MODE, key, nextIv());
        return cipher.doFinal(plaintext, offset, length, out, outOffset);
    }

    /**
     * The transport phase's decryption, array to array: the counterpart of {@link #encrypt};
     * {@code out} needs room for {@code length - TAG_LENGTH} bytes. Nothing written there may be
     * used when it throws.
     */
    int decrypt(byte[] ciphertext, int offset, int length, byte[] out, int outOffset) throws GeneralSecurityException {
        cipher.init(Cipher.DECRYPT_MODE, key, ivFor(nonce));
        int written = cipher.doFinal(ciphertext, offset, length, out, outOffset);
        nonce++;
        return written;
    }

    private IvParameterSpec nextIv() throws GeneralSecurityException {
        IvParameterSpec iv = ivFor(nonce);
        nonce++;
        return iv;
    }

    private static IvParameterSpec ivFor(long n) throws GeneralSecurityException {
        // 2^64-1 is reserved by Noise; reaching it means the session is exhausted.
        if (n == -1L) {
            throw new GeneralSecurityException("Noise nonce exhausted");
        }
        // Noise's ChaChaPoly nonce: 32 zero bits, then n little-endian (RFC 8439 takes 96 bits).
        byte[] iv = new byte[12];
        for (int i = 0; i < 8; i++) {
            iv[4 + i] = (byte) (n >>> (8 * i));
        }
        return new IvParameterSpec(iv);
    }
}
