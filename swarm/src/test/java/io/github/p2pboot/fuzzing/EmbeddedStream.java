package io.github.p2pboot.fuzzing;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Direction;
import io.github.p2pboot.swarm.Stream;
import io.netty.channel.Channel;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * A negotiated stream over a test channel, from an authenticated peer: protocol handlers install
 * their real pipeline on it as on a QUIC or Yamux stream, and a fuzz property feeds that pipeline.
 */
public record EmbeddedStream(Channel channel, String protocol, PeerId peer) implements Stream {

    private static final Multiaddr REMOTE = Multiaddr.parse("/ip4/127.0.0.1/udp/4001/quic-v1");
    private static final Multiaddr LOCAL = Multiaddr.parse("/ip4/127.0.0.1/udp/4002/quic-v1");

    @Override
    public Connection connection() {
        return new Connection() {
            @Override
            public String id() {
                return "fuzz";
            }

            @Override
            public PeerId remotePeer() {
                return peer;
            }

            @Override
            public Multiaddr remoteAddress() {
                return REMOTE;
            }

            @Override
            public Multiaddr localAddress() {
                return LOCAL;
            }

            @Override
            public Direction direction() {
                return Direction.INBOUND;
            }

            @Override
            public String transport() {
                return "quic";
            }

            @Override
            public Instant openedAt() {
                return Instant.EPOCH;
            }

            @Override
            public boolean isOpen() {
                return channel.isOpen();
            }

            @Override
            public CompletableFuture<Stream> newStream(String... protocols) {
                return CompletableFuture.failedFuture(new UnsupportedOperationException("a fuzzed stream opens no others"));
            }

            @Override
            public CompletableFuture<Void> close() {
                channel.close();
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<CloseCause> closeFuture() {
                return new CompletableFuture<>();
            }
        };
    }

    @Override
    public Direction direction() {
        return Direction.INBOUND;
    }
}
