package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.kademlia.KademliaConfig;

/**
 * Changes the Kademlia configuration built from {@code libp2p.kademlia.*} before the DHT is made.
 * Declare beans of this type; they run in {@link org.springframework.core.annotation.Order} order.
 */
@FunctionalInterface
public interface KademliaConfigCustomizer {

    void customize(KademliaConfig.Builder builder);
}
