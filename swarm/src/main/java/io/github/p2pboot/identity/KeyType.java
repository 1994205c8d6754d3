package io.github.p2pboot.identity;

/** The key types of the libp2p key protobuf, with their numbers. */
public enum KeyType {
    RSA(0),
    ED25519(1),
    SECP256K1(2),
    ECDSA(3);

    private final int number;

    KeyType(int number) {
        this.number = number;
    }

    /** The value of the protobuf {@code Type} field. */
    public int number() {
        return number;
    }

    static KeyType fromNumber(long number) {
        for (KeyType type : values()) {
            if (type.number == number) {
                return type;
            }
        }
        throw new KeyFormatException("unknown key type " + number);
    }
}
