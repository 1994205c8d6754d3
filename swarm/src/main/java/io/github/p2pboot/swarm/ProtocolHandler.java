package io.github.p2pboot.swarm;

/**
 * Serves one protocol on inbound streams. Register it with {@link Swarm#registerProtocol}; the
 * swarm then advertises {@link #protocolId()} through identify and hands it every inbound stream a
 * peer negotiates for that id.
 */
public interface ProtocolHandler {

    /** The multistream-select protocol id, e.g. {@code /ipfs/ping/1.0.0}. */
    String protocolId();

    /**
     * Called on the stream's event loop right after negotiation: add the protocol's handlers to
     * {@code stream.channel().pipeline()}. Must not block.
     */
    void handleStream(Stream stream);
}
