package io.github.p2pboot.transport;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.Direction;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;

/** A transport's secured connection that carries many streams, before the swarm adopts it. */
public interface MuxedConnection {

    PeerId remotePeer();

    Multiaddr remoteAddress();

    Multiaddr localAddress();

    Direction direction();

    String transport();

    /** The event loop the connection's I/O runs on. */
    EventLoop eventLoop();

    boolean isOpen();

    /** Opens an outbound stream; its channel is active when the future completes. */
    CompletableFuture<Channel> openStream();

    /** Closes the connection gracefully, telling the peer. */
    CompletableFuture<Void> close();

    /** Completes once the connection has closed, with the reason. */
    CompletableFuture<CloseCause> closeFuture();
}
