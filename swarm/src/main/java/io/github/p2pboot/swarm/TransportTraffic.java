package io.github.p2pboot.swarm;

/**
 * Bytes a transport has moved on the wire since the swarm started, encryption and framing
 * included: what its TCP sockets or QUIC datagram socket received and sent.
 *
 * @param bytesReceived bytes read from the network
 * @param bytesSent bytes written to the network
 */
public record TransportTraffic(long bytesReceived, long bytesSent) {
}
