package io.github.p2pboot.transport;

import io.netty.channel.Channel;

/** How a transport reports new inbound connections and streams to the swarm. */
public interface TransportListener {

    /** A peer dialled us and was authenticated. */
    void inboundConnection(MuxedConnection connection);

    /**
     * The peer opened a stream on {@code connection}. Called from the stream channel's
     * initializer, before any of its data is read.
     */
    void inboundStream(MuxedConnection connection, Channel stream);
}
