/**
 * The p2pboot libp2p engine: a {@link io.github.p2pboot.swarm.Swarm} with its QUIC and TCP
 * transports, Kademlia, the peer keeper and the peer store, in plain Java.
 *
 * <p>The exported packages are the API. The wire machinery (codecs, multistream-select, Yamux,
 * Noise, TLS and the transports) is not exported: it is reached through the swarm, never directly.
 * Netty types appear only in the low-level part of {@link io.github.p2pboot.swarm.Stream} and
 * {@link io.github.p2pboot.swarm.ProtocolHandler}, for protocol authors who need the pipeline.
 */
// protobuf is an automatic module (no descriptor of its own); Codec.protobuf puts its types in our API.
@SuppressWarnings("requires-transitive-automatic")
module io.github.p2pboot.swarm {
    requires transitive io.netty.transport;
    requires transitive io.netty.buffer;
    requires transitive io.netty.common;
    requires io.netty.codec;
    requires io.netty.handler;
    requires io.netty.codec.classes.quic;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.pkix;
    requires transitive com.google.protobuf;
    requires org.slf4j;
    requires static transitive org.jspecify;

    exports io.github.p2pboot.identity;
    exports io.github.p2pboot.multiaddr;
    exports io.github.p2pboot.swarm;
    exports io.github.p2pboot.stream;
    exports io.github.p2pboot.kademlia;
    exports io.github.p2pboot.keeper;
    exports io.github.p2pboot.peerstore;
    exports io.github.p2pboot.resource;
    exports io.github.p2pboot.protocol.ping;
    exports io.github.p2pboot.protocol.perf;
}
