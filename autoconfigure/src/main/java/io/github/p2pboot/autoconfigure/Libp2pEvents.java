package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.swarm.CloseCause;
import org.springframework.context.ApplicationEvent;

/** The application events the node publishes. Listen with {@code @EventListener}. */
public final class Libp2pEvents {

    private Libp2pEvents() {
    }

    /** A peer got its first connection to this node. */
    public static final class PeerConnected extends ApplicationEvent {
        private final transient PeerId peer;

        public PeerConnected(Object source, PeerId peer) {
            super(source);
            this.peer = peer;
        }

        public PeerId getPeer() {
            return peer;
        }
    }

    /** A peer's last connection to this node closed. */
    public static final class PeerDisconnected extends ApplicationEvent {
        private final transient PeerId peer;
        private final transient CloseCause cause;

        public PeerDisconnected(Object source, PeerId peer, CloseCause cause) {
            super(source);
            this.peer = peer;
            this.cause = cause;
        }

        public PeerId getPeer() {
            return peer;
        }

        public CloseCause getCause() {
            return cause;
        }
    }

    /** The node went from enough peers to too few ({@code libp2p.health.min-peers}), or back. */
    public static final class SufficiencyChanged extends ApplicationEvent {
        private final boolean sufficient;
        private final int connectedPeers;
        private final int minPeers;

        public SufficiencyChanged(Object source, boolean sufficient, int connectedPeers, int minPeers) {
            super(source);
            this.sufficient = sufficient;
            this.connectedPeers = connectedPeers;
            this.minPeers = minPeers;
        }

        public boolean isSufficient() {
            return sufficient;
        }

        public int getConnectedPeers() {
            return connectedPeers;
        }

        public int getMinPeers() {
            return minPeers;
        }
    }
}
