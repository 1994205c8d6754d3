package io.github.p2pboot.swarm;

import io.netty.channel.Channel;

/** A stream after multistream-select agreed on its protocol. */
record NegotiatedStream(Channel channel, String protocol, Connection connection, Direction direction) implements Stream {
}
