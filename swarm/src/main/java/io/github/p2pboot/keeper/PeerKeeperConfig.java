package io.github.p2pboot.keeper;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a {@link PeerKeeper} keeps. Create it with {@link #builder()}.
 *
 * @param bootstrapPeers peers always kept connected, with the addresses to dial them at (QUIC and
 *     TCP addresses of one peer are one entry)
 * @param protectedPeers further peers always kept connected, dialled at the addresses the peer
 *     store knows
 * @param targetPeers below this many connected peers the keeper dials known peers and looks for
 *     more through Kademlia
 * @param backOff the wait between failed dials to a kept peer
 * @param dialTimeout how long one dial of a peer (all its addresses) may take
 * @param discoveryInterval how often, while below target, the keeper looks for more peers
 */
public record PeerKeeperConfig(
        Map<PeerId, List<Multiaddr>> bootstrapPeers,
        Set<PeerId> protectedPeers,
        int targetPeers,
        ReconnectBackOff backOff,
        Duration dialTimeout,
        Duration discoveryInterval) {

    public static final ReconnectBackOff DEFAULT_BACK_OFF =
            ReconnectBackOff.exponential(Duration.ofMillis(500), 2.0, Duration.ofSeconds(30), 0.2, 0);

    public PeerKeeperConfig {
        Map<PeerId, List<Multiaddr>> copy = new LinkedHashMap<>();
        bootstrapPeers.forEach((peer, addresses) -> copy.put(peer, List.copyOf(addresses)));
        bootstrapPeers = Collections.unmodifiableMap(copy);
        protectedPeers = Collections.unmodifiableSet(new LinkedHashSet<>(protectedPeers));
        if (targetPeers < 0) {
            throw new IllegalArgumentException("targetPeers must not be negative, got " + targetPeers);
        }
        Objects.requireNonNull(backOff, "backOff");
        positive("dialTimeout", dialTimeout);
        positive("discoveryInterval", discoveryInterval);
    }

    public static Builder builder() {
        return new Builder();
    }

    private static void positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    /** Builds a {@link PeerKeeperConfig}; nothing is kept unless added. */
    public static final class Builder {
        private final Map<PeerId, List<Multiaddr>> bootstrapPeers = new LinkedHashMap<>();
        private final Set<PeerId> protectedPeers = new LinkedHashSet<>();
        private int targetPeers = 8;
        private ReconnectBackOff backOff = DEFAULT_BACK_OFF;
        private Duration dialTimeout = Duration.ofSeconds(15);
        private Duration discoveryInterval = Duration.ofSeconds(5);

        private Builder() {
        }

        /**
         * Adds a bootstrap peer by its addresses, each ending in {@code /p2p/<id>}; addresses of one
         * peer are grouped.
         *
         * @throws IllegalArgumentException if an address does not name its peer
         */
        public Builder bootstrapPeer(Multiaddr address) {
            PeerId peer = address.peerId()
                    .orElseThrow(() -> new IllegalArgumentException("a bootstrap address must end in /p2p/<peer id>: " + address));
            bootstrapPeers.computeIfAbsent(peer, p -> new ArrayList<>()).add(address.withoutPeerId());
            return this;
        }

        public Builder bootstrapPeers(List<Multiaddr> addresses) {
            addresses.forEach(this::bootstrapPeer);
            return this;
        }

        public Builder protectedPeer(PeerId peer) {
            protectedPeers.add(peer);
            return this;
        }

        public Builder targetPeers(int targetPeers) {
            this.targetPeers = targetPeers;
            return this;
        }

        public Builder backOff(ReconnectBackOff backOff) {
            this.backOff = backOff;
            return this;
        }

        public Builder dialTimeout(Duration dialTimeout) {
            this.dialTimeout = dialTimeout;
            return this;
        }

        public Builder discoveryInterval(Duration discoveryInterval) {
            this.discoveryInterval = discoveryInterval;
            return this;
        }

        public PeerKeeperConfig build() {
            return new PeerKeeperConfig(bootstrapPeers, protectedPeers, targetPeers, backOff, dialTimeout, discoveryInterval);
        }
    }
}
