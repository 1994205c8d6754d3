package io.github.p2pboot.security.noise;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.netty.channel.Channel;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * libp2p's Noise security (spec {@code noise/README.md}): the Noise_XX_25519_ChaChaPoly_SHA256
 * handshake with an empty prologue, both sides proving their identity key in the handshake payload,
 * followed by ChaChaPoly-encrypted transport messages, each framed with a 2-byte big-endian length.
 */
public final class NoiseSecurity {

    /** The multistream-select protocol id. */
    public static final String PROTOCOL_ID = "/noise";

    private NoiseSecurity() {
    }

    /**
     * Adds the handshake at the end of the pipeline of an active channel and starts it (an
     * initiator sends message 1 at once).
     *
     * <p>The future completes on the channel's event loop with the verified remote peer once the
     * handshake is done. By then the handshake handler has replaced itself with a transport codec:
     * ByteBufs written to the channel are encrypted, and inbound ByteBufs after the codec are
     * decrypted plaintext. Plaintext that arrived together with the last handshake message is
     * passed on right after the future's callbacks have run, so add the next handlers in a
     * callback that runs synchronously (not an {@code ...Async} one) to see all of it. Register
     * that callback from the event loop (or at least before the handshake can end) and do not
     * block on this very future from another thread: a {@link CompletableFuture} lets a waiting
     * thread run pending callbacks itself, off the event loop and possibly too late. Wait on the
     * stage the callback returns instead.
     *
     * <p>On any failure the channel is closed and the future fails with a
     * {@link NoiseHandshakeException} naming what was wrong. Timeouts are the caller's job.
     *
     * @param hostKey the local identity key that signs the Noise static key
     * @param initiator whether this side dialled
     * @param expectedRemote the peer the remote must prove to be, or null to accept any peer
     */
    public static CompletableFuture<PeerId> secure(Channel channel, PrivateKey hostKey, boolean initiator,
            PeerId expectedRemote) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(hostKey, "hostKey");
        CompletableFuture<PeerId> result = new CompletableFuture<>();
        channel.pipeline().addLast(new NoiseHandshakeHandler(hostKey, initiator, expectedRemote, result));
        return result;
    }
}
