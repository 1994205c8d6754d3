package io.github.p2pboot.transport.tcp;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multistream.MultistreamDialer;
import io.github.p2pboot.multistream.MultistreamListener;
import io.github.p2pboot.muxer.yamux.YamuxSession;
import io.github.p2pboot.resource.Incidents;
import io.github.p2pboot.security.noise.NoiseSecurity;
import io.github.p2pboot.swarm.Direction;
import io.github.p2pboot.transport.TransportListener;
import io.netty.channel.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Upgrades a raw TCP connection as the libp2p connections spec says: multistream-select agrees
 * on {@code /noise}, Noise authenticates the peer and encrypts, and multistream-select inside the
 * encrypted channel agrees on {@code /yamux/1.0.0}. The dialler proposes; the listener answers.
 *
 * <p>Every step runs on the channel's event loop and adds its handler at the end of the pipeline
 * from the callback of the step before, so bytes the peer sends right after a step are never lost.
 */
final class TcpUpgrade {

    private TcpUpgrade() {
    }

    /**
     * Runs the upgrade on an active channel.
     *
     * @param expectedPeer the peer the dialler means to reach, or null to accept any
     * @param incidents where the connection's Yamux session reports what the peer did wrong
     * @return completes with the connection, or fails naming the step that went wrong; on failure
     *     the channel is closed
     */
    static CompletableFuture<TcpConnection> upgrade(Channel channel, PrivateKey hostKey, Direction direction,
            PeerId expectedPeer, Duration timeout, int maxStreams, TransportListener listener, Incidents incidents) {
        CompletableFuture<TcpConnection> result = new CompletableFuture<>();
        var timer = channel.eventLoop().schedule(() -> result.completeExceptionally(new IOException(
                "connection upgrade did not finish within " + timeout.toMillis() + " ms")), timeout.toMillis(), TimeUnit.MILLISECONDS);
        result.whenComplete((connection, error) -> {
            timer.cancel(false);
            if (error != null) {
                channel.close();
            }
        });
        // Deferred one turn of the event loop: a step that fails closes the channel first and then
        // reports why (a bad signature, the wrong peer), and that reason should win.
        channel.closeFuture().addListener(f -> {
            Runnable fail = () -> result.completeExceptionally(new IOException("connection closed during the upgrade"));
            try {
                channel.eventLoop().execute(fail);
            } catch (RejectedExecutionException shuttingDown) {
                fail.run();
            }
        });

        // First in the pipeline, so it sees the socket's own errors (a reset before Noise, say)
        // before any step does, and they fail the upgrade instead of reaching the pipeline's tail,
        // where Netty logs each with its stack trace at WARN.
        channel.pipeline().addFirst(UpgradeErrors.NAME, new UpgradeErrors(result));
        boolean initiator = direction == Direction.OUTBOUND;
        negotiate(channel, initiator, NoiseSecurity.PROTOCOL_ID)
                .thenCompose(noise -> NoiseSecurity.secure(channel, hostKey, initiator, expectedPeer))
                .thenCompose(peer -> negotiate(channel, initiator, YamuxSession.PROTOCOL_ID)
                        .thenApply(yamux -> {
                            if (channel.pipeline().get(UpgradeErrors.NAME) != null) {
                                channel.pipeline().remove(UpgradeErrors.NAME);
                            }
                            return new TcpConnection(channel, peer, direction, maxStreams, listener, incidents);
                        }))
                .whenComplete((connection, error) -> {
                    if (error != null) {
                        result.completeExceptionally(error instanceof CompletionException ? error.getCause() : error);
                    } else if (!result.complete(connection)) {
                        // Timed out just as it finished: the caller has given up on it.
                        connection.close();
                    }
                });
        return result;
    }

    /** Fails the upgrade on any error the socket reports while it runs; the failure closes the channel. */
    private static final class UpgradeErrors extends io.netty.channel.ChannelInboundHandlerAdapter {
        static final String NAME = "upgrade-errors";
        private final CompletableFuture<TcpConnection> result;

        UpgradeErrors(CompletableFuture<TcpConnection> result) {
            this.result = result;
        }

        @Override
        public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause instanceof IOException ? cause : new IOException(cause.getMessage(), cause));
        }
    }

    /** One multistream-select round for a single protocol, on the whole connection. */
    private static CompletableFuture<String> negotiate(Channel channel, boolean initiator, String protocol) {
        CompletableFuture<String> selected = new CompletableFuture<>();
        if (initiator) {
            channel.pipeline().addLast(new MultistreamDialer(List.of(protocol), selected));
        } else {
            // A close before agreement needs no handling here: upgrade() fails on any close.
            channel.pipeline().addLast(new MultistreamListener(protocol::equals, (ctx, agreed) -> selected.complete(agreed)));
        }
        return selected;
    }
}
